"""The documentation holds together: every relative link in README.md and docs/ reaches a file
(and a heading, for `#anchors`) that exists, every option of every command is documented in
docs/usage.md under that command's heading, and the README stays a front page.

The options come from the commands' own argparse parsers, so a new option without docs fails
here. Building the parsers imports no TensorFlow.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from facial_emotion.cli import export, main, train, video

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
USAGE = ROOT / "docs" / "usage.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "models" / "README.md"]

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
# [text](target) and ![alt](target); the text may hold one level of brackets and wrap lines.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)

# (the heading of the command's section in docs/usage.md, its parser)
COMMANDS = [
    ("`real_time_video.py` (`facial-emotion video`)", video.build_parser()),
    ("`train_emotion_classifier.py` (`facial-emotion train`)", train.build_parser()),
    ("`facial-emotion evaluate`", main.build_evaluate_parser()),
    ("`facial-emotion export`", export.build_parser()),
    ("`facial-emotion`, and installing the tool", main.build_parser()),
]


def without_code(text: str, keep_spans: bool = False) -> str:
    """`text` without fenced code blocks (a shell comment is no heading, a [x](y) in code no
    link); inline code spans too unless `keep_spans`."""
    text = FENCE.sub("", text)
    return text if keep_spans else CODE_SPAN.sub("code", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text as rendered (code, links and emphasis marks
    gone), lower case, punctuation but hyphens, underscores and spaces dropped, spaces to
    hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = CODE_SPAN.sub(r"\2", text)
    text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text)  # emphasis, not snake_case
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading's anchor in `page`; a repeated one gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(without_code(page.read_text(encoding="utf-8"), keep_spans=True)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    targets = LINK.findall(without_code(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def section(heading: str) -> str:
    """The text of docs/usage.md under the level-2 `heading`, up to the next level-2 one."""
    text = USAGE.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def long_options(parser) -> list[str]:
    return sorted(option for action in parser._actions for option in action.option_strings
                  if option.startswith("--"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading(page):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / unquote(path)).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file {file}")
        elif anchor and file.suffix == ".md" and unquote(anchor) not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, "\n".join(broken)


def test_the_pages_link_somewhere():
    # The link pattern itself must work: the README links each docs page.
    linked = {target.partition("#")[0] for target in relative_links(README)}
    assert {"docs/usage.md", "docs/training.md", "docs/results.md", "docs/architecture.md",
            "models/README.md"} <= linked


@pytest.mark.parametrize("heading, parser", COMMANDS, ids=[h for h, _ in COMMANDS])
def test_every_option_is_documented_under_its_command(heading, parser):
    text = FENCE.sub("", section(heading))  # an example is no documentation
    missing = [option for option in long_options(parser)
               if not re.search(rf"`{re.escape(option)}(?![\w-])[^`]*`", text)]
    assert not missing, f"document these options under '## {heading}' in {USAGE}: {missing}"


def test_every_command_of_facial_emotion_is_documented():
    text = section(COMMANDS[-1][0])
    assert all(f"`{name}`" in text for name in main.COMMANDS), list(main.COMMANDS)


@pytest.mark.parametrize("heading, expected", [
    ("# Title", "title"),
    ("## `real_time_video.py` (`facial-emotion video`)", "real_time_videopy-facial-emotion-video"),
    ("## Bad input, interruptions, and \"nothing is lost\"",
     "bad-input-interruptions-and-nothing-is-lost"),
    ("### FER+ rater votes", "fer-rater-votes"),
    ("## Scaling out with `tf.distribute`", "scaling-out-with-tfdistribute"),
    ("## Known limitations of FER2013, and so of this model",
     "known-limitations-of-fer2013-and-so-of-this-model"),
    ("## **Bold** and [a link](x.md)", "bold-and-a-link"),
])
def test_slug_follows_githubs_rules(heading, expected):
    assert slug(HEADING.match(heading).group(1)) == expected


def test_repeated_headings_get_numbered_anchors(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A\n\n## Notes\n\n```\n# not a heading\n```\n\n## Notes\n\n## Notes\n")
    assert anchors(page) == {"a", "notes", "notes-1", "notes-2"}


def test_the_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move reference to docs/"
    first = "\n".join(lines[:40])
    # CI runs the README's install and test commands (.ci/run); the demo comes first.
    assert "\npip install -r requirements.txt\npython real_time_video.py\n" in first
    text = "\n".join(lines)
    assert "\npython -m pytest -q\n" in text and '\npython -m pytest -q -m "not slow"\n' in text
