// Summarises a ticket for the agent's sidebar (Anthropic TypeScript SDK).
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();

export async function POST(req: Request) {
  const { ticket } = await req.json();
  const stream = client.messages.stream({
    model: "claude-opus-5-5",
    max_tokens: 32000,
    system: "Summarise the ticket in 2 sentences for a support agent.",
    messages: [{ role: "user", content: ticket }],
  });
  // Streamed, then collected in full before the response is sent.
  const message = await stream.finalMessage();
  return Response.json({ summary: message.content });
}
