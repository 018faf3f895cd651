"""The summary as Markdown (NAME.summary.md): headline, sentences with their segment ids, the
Chinese, and what the faithfulness filter dropped."""

from __future__ import annotations

from ..records import Document, Summary


def render(summary: Summary, doc: Document) -> str:
    lines = [f"# {summary.headline}", ""]
    if summary.method == "extractive":
        for p in summary.picks:
            lines.append(f"- {p.en} *[{p.id}]*")
        lines += ["", "## 中文", ""]
        lines += [f"- {p.zh} *[{p.id}]*" for p in summary.picks]
    else:
        lines += [summary.text or "*(every sentence of the model's summary was dropped: see below)*"]
    if summary.dropped:
        lines += ["", "## Check before publishing", ""]
        for d in summary.dropped:
            what = ", ".join(d["unsupported"])
            lines.append(f"- “{d['en']}”: the source has no {what}" + (f" [{d['id']}]" if d.get("id") else ""))
    prov = doc.provenance
    lines += ["", "---", f"*{summary.method} summary"
              + (f" ({summary.ranker})" if summary.ranker else "")
              + (f" · summarizer {summary.model}" if summary.model else "")
              + (f" · translation {prov.model} ({prov.engine})" if prov else "") + "*", ""]
    return "\n".join(lines)
