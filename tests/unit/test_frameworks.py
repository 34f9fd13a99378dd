"""The shipped frameworks transcribe the seeds completely, and every PC can be evidenced."""

from __future__ import annotations

import json
import re

import pytest

from helpdesk.frameworks import DATA, FrameworkError, catalogue, load
from tests.seeds import seeds_dir


def seed(prefix: str) -> str:
    [path] = seeds_dir().glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_the_seeds_are_there():
    seeds = seeds_dir()
    assert len(list(seeds.glob("00?_*.txt"))) >= 4, f"seeds not found under {seeds}"


def test_framework_a_has_every_pc_and_knowledge_item_of_seed_000():
    codes = re.findall(r"\|\s*(\d\.\d)\s*\|", seed("000"))
    framework = catalogue().frameworks["A"]
    assert [p.code for p in framework.pcs] == [c for c in codes if not c.startswith("4.")]
    assert [k.code for k in framework.knowledge] == [c for c in codes if c.startswith("4.")]
    assert len(framework.pcs) == 16 and len(framework.knowledge) == 5


def test_framework_b_matches_seed_002():
    text = seed("002")
    framework = catalogue().frameworks["B"]
    assert [p.code for p in framework.pcs] == [str(n) for n in range(1, 17)]
    for pc in framework.pcs:
        assert pc.text in text, pc.code
    knowledge = re.findall(r"^\s*(\d)\n\s*(.+?)\n", text.split("What you must know")[1], re.M)
    assert [k.text for k in framework.knowledge] == [t for _, t in knowledge]
    assert [s.code for s in framework.scope] == ["a", "b", "c", "d"]
    assert framework.must_observe == {"3", "4", "5", "6", "7"}


def test_framework_c_matches_the_national_occupational_standard_in_seed_001():
    text = seed("001")
    performance = text.split("Performance criteria")[1].split("Knowledge and understanding")[0]
    knowledge = text.split("Knowledge and understanding")[1]
    pcs = [line[3:].strip() for line in performance.splitlines() if line.startswith("1. ")]
    ks = [line[3:].strip() for line in knowledge.splitlines() if line.startswith("1. ")]
    framework = catalogue().frameworks["C"]
    assert len(framework.pcs) == len(pcs) == 22
    assert len(framework.knowledge) == len(ks) == 17
    for ours, theirs in zip(framework.pcs, pcs, strict=True):
        assert ours.text.lower() == theirs.lower()


@pytest.mark.parametrize("framework", ["A", "B", "C"])
def test_every_pc_is_reachable_from_an_action(framework):
    assert catalogue().unreachable(framework) == []


@pytest.mark.parametrize("framework", ["A", "B", "C"])
def test_the_what_you_must_cover_items_of_seed_003_are_listed(framework):
    found = catalogue().frameworks[framework]
    assert len(found.problem_types) == 5
    assert len(found.information_procedures) == 4


def test_a_broken_framework_file_is_refused_with_its_name(tmp_path):
    for name in ("unit_a.json", "nvq_b.json", "nos_c.json", "mapping.json"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = json.loads((tmp_path / "nvq_b.json").read_text(encoding="utf-8"))
    broken["pcs"][2].pop("text")
    (tmp_path / "nvq_b.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"nvq_b\.json pcs\[2\]: missing 'text'"):
        load(tmp_path)


def test_a_mapping_to_an_unknown_pc_is_refused(tmp_path):
    for name in ("unit_a.json", "nvq_b.json", "nos_c.json"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    mapping = json.loads((DATA / "mapping.json").read_text(encoding="utf-8"))
    mapping["actions"]["question"]["A"] = ["9.9"]
    (tmp_path / "mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    with pytest.raises(FrameworkError, match="question: A has no PC"):
        load(tmp_path)
