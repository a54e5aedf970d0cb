// The support chat of the web app (Next.js App Router, Vercel AI SDK).
import { anthropic } from "@ai-sdk/anthropic";
import { generateText } from "ai";

const SYSTEM_PROMPT = `You are the support assistant of an online furniture shop.
Answer the customer's question in under 120 words, in a friendly tone.`;

export async function POST(req: Request) {
  const { messages } = await req.json();
  // The browser waits for the whole answer: nothing shows until the last token.
  const { text } = await generateText({
    model: anthropic("claude-sonnet-5-5"),
    system: SYSTEM_PROMPT,
    messages,
  });
  return Response.json({ text });
}
