"""The FAQ assistant, built with LangChain."""

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from langchain_anthropic import ChatAnthropic
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

app = FastAPI()

FAQ_SYSTEM = (
    "You answer questions about our store's shipping, returns and billing policies. "
    "Answer in at most 3 short paragraphs and link the policy page you used."
)

answer_prompt = ChatPromptTemplate.from_messages([("system", FAQ_SYSTEM), ("human", "{question}")])
answer_chain = answer_prompt | ChatAnthropic(model="claude-haiku-5-5") | StrOutputParser()

tagger = ChatAnthropic(model="claude-opus-5-5", max_tokens=4096)


def tag(question: str) -> str:
    """Route the question to a team."""
    return tagger.invoke([
        ("system", "Which team handles this question? Reply with one word: billing, shipping or returns."),
        ("human", question),
    ]).content


@app.post("/faq")
async def faq(question: str):
    answer = await answer_chain.ainvoke({"question": question})
    return {"answer": answer, "team": tag(question)}


@app.post("/faq/stream")
async def faq_stream(question: str):
    return StreamingResponse(answer_chain.astream({"question": question}), media_type="text/plain")
