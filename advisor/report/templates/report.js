/* advisor report: filtering by severity and rule, expanding and collapsing groups.
   Progressive enhancement only: every finding is in the page and readable without this
   script (the groups are native <details> elements). It reads data-* attributes and
   sets `hidden`/`open`; it never builds HTML from text. */
(function () {
  "use strict";
  var controls = document.getElementById("filters");
  if (!controls) {
    return;
  }
  var boxes = Array.prototype.slice.call(controls.querySelectorAll("input[data-filter-severity]"));
  var ruleSelect = controls.querySelector("select[data-filter-rule]");
  var status = controls.querySelector("[data-filter-status]");
  var groups = Array.prototype.slice.call(document.querySelectorAll("#findings .rule-group"));

  function apply() {
    var allowed = {};
    boxes.forEach(function (box) {
      allowed[box.value] = box.checked;
    });
    var rule = ruleSelect ? ruleSelect.value : "";
    var shown = 0;
    var total = 0;
    groups.forEach(function (group) {
      var ruleOk = !rule || group.getAttribute("data-rule") === rule;
      var visible = 0;
      group.querySelectorAll(".finding").forEach(function (finding) {
        var ok = ruleOk && allowed[finding.getAttribute("data-severity")] !== false;
        finding.hidden = !ok;
        if (ok) {
          visible += 1;
        }
      });
      group.querySelectorAll(".file-group").forEach(function (fileGroup) {
        fileGroup.hidden = !fileGroup.querySelector(".finding:not([hidden])");
      });
      var count = parseInt(group.getAttribute("data-count"), 10) || 0;
      var groupOk = ruleOk && (visible > 0 || allowed[group.getAttribute("data-severity")] !== false);
      group.hidden = !groupOk;
      total += count;
      if (groupOk) {
        shown += count;
      }
    });
    if (status) {
      status.textContent = "Showing " + shown + " of " + total + " findings";
    }
  }

  function setOpen(open) {
    document.querySelectorAll("#findings details").forEach(function (details) {
      details.open = open;
    });
  }

  function revealTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    if (target) {
      target.scrollIntoView();
    }
  }

  boxes.forEach(function (box) {
    box.addEventListener("change", apply);
  });
  if (ruleSelect) {
    ruleSelect.addEventListener("change", apply);
  }
  var expand = controls.querySelector("[data-action=expand]");
  var collapse = controls.querySelector("[data-action=collapse]");
  if (expand) {
    expand.addEventListener("click", function () { setOpen(true); });
  }
  if (collapse) {
    collapse.addEventListener("click", function () { setOpen(false); });
  }
  window.addEventListener("hashchange", revealTarget);
  controls.hidden = false;
  apply();
  if (window.location.hash) {
    revealTarget();
  }
})();
