"""The README promises only what exists: every screenshot it links to is in docs/screenshots/, and every address its
portal section names is a page of the portal."""

import re
from pathlib import Path

from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_screenshot_the_readme_links_to_exists():
    linked = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", README)
    assert linked and [path for path in linked if not (ROOT / path).is_file()] == []


def test_every_address_in_the_readmes_portal_section_is_a_page_of_the_portal():
    section = README.split("## The portal", 1)[1].split("\n## ", 1)[0]
    addresses = set(re.findall(r"`(/[^`\s]*)`", section))
    assert len(addresses) > 20
    unknown = []
    for address in sorted(addresses):
        try:
            resolve(re.sub(r"\{[a-z_]+\}", "1", address))
        except Resolver404:
            unknown.append(address)
    assert unknown == []


def test_every_test_module_the_readme_and_the_docs_name_exists():
    texts = [README, *(path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md")))]
    named = {path for text in texts for path in re.findall(r"\btests/[\w/]+\.py\b", text)}
    assert named and sorted(path for path in named if not (ROOT / path).is_file()) == []


def test_every_module_the_readmes_layout_names_exists():
    """The Layout section is the map of the code: each module it names (`tenders/asks.py`, or `sealing.py` on the
    line of `bids/` in its list of directories) is there, so that a move or a rename updates the map."""
    section = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    apps = ("procurement", "documents", "tenders", "bids", "evaluation")
    pattern = r"(?<![\w/])((?:" + "|".join(apps) + r"|config)/[\w/]+\.py)\b"
    named = set(re.findall(pattern, section))
    listing = section.split("The directories, top down:", 1)[1].split("```")[1]
    app = None
    for line in listing.splitlines():
        if line and not line.startswith(" "):
            app = line.split("/", 1)[0]
        if app in apps:
            text = re.sub(r"`[^`]*`", "", line)  # commands such as `manage.py rewrap_keys`
            named |= {n if n.startswith(apps) else f"{app}/{n}" for n in re.findall(r"(?<![\w/])([\w/]+\.py)\b", text)}
    assert len(named) > 40
    assert sorted(path for path in named if not (ROOT / path).is_file()) == []
