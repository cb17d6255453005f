"""docs/metric-mapping/<format>.md is generated from each format's code, for every format."""

from __future__ import annotations

from pathlib import Path

from replaybed.compile import datasets, mapping_doc

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_docs_are_generated_from_the_code():
    folder = DOCS / "metric-mapping"
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(datasets.formats())
    index = (DOCS / "metric-mapping.md").read_text()
    for name, fmt in datasets.formats().items():
        assert (folder / f"{name}.md").read_text() == mapping_doc.render(fmt), name
        assert f"(metric-mapping/{name}.md)" in index, f"docs/metric-mapping.md lacks {name}"
