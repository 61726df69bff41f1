"""Per-dataset settings of LongBench v1: metric family, prompt template, answer length, first-line rule.

    from acbench.tasks.longbench.specs import spec_for
    spec = spec_for("hotpotqa")          # DatasetSpec(metric="qa_f1", max_new_tokens=32, ...)
    spec.prompt.format(context=..., input=...)

Metric families and answer lengths follow the LongBench paper; the prompt wording is ours (a user's own
LongBench `config/dataset2prompt.json` replaces it, see `upstream_config.py`). Datasets
named `acb_*` are the built-in suite (written by us, see `build_data.py`); each borrows the setting of
the upstream dataset it imitates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetSpec:
    """How one dataset is prompted and scored."""

    metric: str  # a key of text_metrics.METRICS (strict) and of paper_metrics.PAPER_METRICS (paper)
    max_new_tokens: int
    prompt: str  # placeholders {context} and {input}
    first_line_only: bool = False  # upstream quirk: few-shot sets score only the first line of the reply
    # upstream sends few-shot and code sets without a chat template; we follow it with the user's templates
    upstream_chat_template: bool = True


_SHORT = " Reply with the answer only, as a short phrase, and no explanation."

QA_DOC = (
    "Read the document below and answer the question that follows." + _SHORT + "\n\n"
    "Document:\n{context}\n\n"
    "Question: {input}\nAnswer:"
)
QA_PAPER = (
    "Read the scientific article below and answer the question that follows." + _SHORT + " If the article "
    'does not answer it, write "unanswerable"; for a yes/no question write "yes", "no" or "unanswerable".\n\n'
    "Article:\n{context}\n\n"
    "Question: {input}\nAnswer:"
)
QA_MULTI = (
    "Answer the question using the passages below." + _SHORT + "\n\n"
    "Passages:\n{context}\n\n"
    "Question: {input}\nAnswer:"
)
QA_FEWSHOT = "Answer the last question as the examples do." + _SHORT + "\n\n{context}\n\n{input}"
SUMMARY_REPORT = "Write a one-page summary of the report below.\n\nReport:\n{context}\n\nSummary:"
SUMMARY_QUERY = (
    "Read the meeting transcript below, then answer the query in a few sentences.\n\n"
    "Transcript:\n{context}\n\n"
    "Query: {input}\nAnswer:"
)
SUMMARY_NEWS = "Summarise the news articles below in one paragraph.\n\n{context}\n\nSummary:"
SUMMARY_DIALOGUE = "Summarise the last dialogue in one or two sentences, as the examples do.\n\n{context}\n\n{input}"
CLASSIFY = "Give the category of the last item, as the labelled examples do. Reply with the category only.\n\n{context}\n{input}"
COUNT = (
    "Below are several paragraphs. Some of them are repeated word for word. How many different "
    "paragraphs are there?\n\n{context}\n\n"
    "Reply with that number only.\nThe answer is:"
)
RETRIEVE = (
    "Below are numbered paragraphs, then an abstract. Which paragraph is the abstract about?\n\n"
    "{context}\n\n"
    "Abstract: {input}\n\n"
    'Reply only in the form "Paragraph N".\nThe answer is:'
)
CODE_FILE = "Complete the next line of the code below. Reply with that one line of code only.\n\n{context}"
CODE_REPO = "Complete the next line of the code below. Reply with that one line of code only.\n\n{context}{input}"
# Chinese sets: our own Chinese wording, in the spirit of the English templates above
ZH_QA_DOC = "阅读下面的文章，然后回答后面的问题。只写出答案，不要解释。\n\n文章：\n{context}\n\n问题：{input}\n答案："
ZH_QA_MULTI = "根据下面几篇文章回答问题，用几句话作答。\n\n{context}\n\n问题：{input}\n回答："
ZH_SUMMARY_MEETING = "下面是一次会议的记录。请用一段话概括会议讨论的主要内容。\n\n会议记录：\n{context}\n\n概括："
ZH_RETRIEVE = (
    "下面是若干编号的段落，之后是一段摘要。摘要写的是哪一个段落？\n\n{context}\n\n"
    "摘要：{input}\n\n请只按“段落N”的格式回答。\n答案是："
)
ZH_CLASSIFY = "参照下面标好类别的新闻，写出最后一条新闻的类别。只写类别名称。\n\n{context}\n{input}"

SPECS: dict[str, DatasetSpec] = {
    # single- and multi-document QA: token F1
    "narrativeqa": DatasetSpec("qa_f1", 128, QA_DOC),
    "qasper": DatasetSpec("qa_f1", 128, QA_PAPER),
    "multifieldqa_en": DatasetSpec("qa_f1", 64, QA_DOC),
    "hotpotqa": DatasetSpec("qa_f1", 32, QA_MULTI),
    "2wikimqa": DatasetSpec("qa_f1", 32, QA_MULTI),
    "musique": DatasetSpec("qa_f1", 32, QA_MULTI),
    "triviaqa": DatasetSpec("qa_f1", 32, QA_FEWSHOT, first_line_only=True, upstream_chat_template=False),
    # summaries: ROUGE-L F
    "gov_report": DatasetSpec("rouge", 512, SUMMARY_REPORT),
    "qmsum": DatasetSpec("rouge", 512, SUMMARY_QUERY),
    "multi_news": DatasetSpec("rouge", 512, SUMMARY_NEWS),
    "samsum": DatasetSpec("rouge", 128, SUMMARY_DIALOGUE, first_line_only=True, upstream_chat_template=False),
    # classification, counting, retrieval
    "trec": DatasetSpec("classification", 64, CLASSIFY, first_line_only=True, upstream_chat_template=False),
    "lsht": DatasetSpec("classification", 64, ZH_CLASSIFY, first_line_only=True, upstream_chat_template=False),
    "passage_count": DatasetSpec("count", 32, COUNT),
    "passage_retrieval_en": DatasetSpec("retrieval", 32, RETRIEVE),
    # Chinese: jieba-based F1 and ROUGE-L, and retrieval by "段落N"
    "multifieldqa_zh": DatasetSpec("qa_f1_zh", 64, ZH_QA_DOC),
    "dureader": DatasetSpec("rouge_zh", 128, ZH_QA_MULTI),
    "vcsum": DatasetSpec("rouge_zh", 512, ZH_SUMMARY_MEETING),
    "passage_retrieval_zh": DatasetSpec("retrieval_zh", 32, ZH_RETRIEVE),
    # code: fuzzy similarity of the first code line
    "lcc": DatasetSpec("code_sim", 64, CODE_FILE, upstream_chat_template=False),
    "repobench-p": DatasetSpec("code_sim", 64, CODE_REPO, upstream_chat_template=False),
    # the built-in suite (ours), one per metric family
    "acb_report_qa": DatasetSpec("qa_f1", 32, QA_DOC),
    "acb_meeting_summary": DatasetSpec("rouge", 128, SUMMARY_QUERY),
    # ours is sent with the chat template, where small models often echo the ticket on the first line,
    # so the whole reply is scored (the first-line rule suits upstream's completion-style prompts)
    "acb_ticket_type": DatasetSpec("classification", 64, CLASSIFY),
    "acb_passage_retrieval": DatasetSpec("retrieval", 32, RETRIEVE),
    "acb_passage_count": DatasetSpec("count", 32, COUNT),
    "acb_code_completion": DatasetSpec("code_sim", 64, CODE_FILE),
}


def spec_for(dataset: str) -> DatasetSpec:
    """The setting of a dataset; an unknown name is a clear error listing the known ones."""
    name = dataset[:-2] if dataset.endswith("_e") else dataset  # LongBench-E files are named `<dataset>_e`
    if name not in SPECS:
        raise KeyError(f"unknown LongBench dataset '{dataset}': known datasets are {', '.join(SPECS)}")
    return SPECS[name]
