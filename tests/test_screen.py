"""What the screen shows can be trusted: real matches apart from partial credit and learned words,
the paper explain names, links, widths, lint counts, aliases, progress and exit codes (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import cli

REPO = Path(__file__).parent.parent
EXAMPLE = str(REPO / "examples" / "daily-papers.txt")


@pytest.mark.parametrize("args", [["--from", "bibtx"], ["--threshold", "150"], ["--threshold", "-1"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    run = cli("rank", EXAMPLE, "-k", "LoRA", *args)
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr


def diffusion_page(tmp_path: Path) -> Path:
    """A made-up Daily Papers copy: one paper matches a diffusion profile, one only through common
    words of its multi-word terms (the "Hyperbolic Large Language Models" case of the issue)."""
    from .test_hf_text import page

    path = tmp_path / "listing.txt"
    path.write_text(page([
        ("Latent Diffusion Models for Video Generation", "We train a latent diffusion model that generates video.",
         "  • 5 authors", "Mar 3, 2025 12"),
        ("Hyperbolic Large Language Models", "Language models with text generation in hyperbolic space.",
         "  • 3 authors", "Mar 2, 2025 4"),
        ("Graph Coloring by Local Search", "A local search for graph coloring.", "  • 2 authors", "Mar 1, 2025"),
    ]), encoding="utf-8")
    return path


DIFFUSION = ["-k", "diffusion model", "-k", "text-to-image", "-k", "video generation", "-k", "latent diffusion"]


def test_a_paper_matched_only_by_lone_words_of_terms_is_not_shown(tmp_path: Path) -> None:
    listing = str(diffusion_page(tmp_path))
    run = cli("rank", listing, *DIFFUSION, "-f", "jsonl", "--no-record", "--plain")
    assert [r["title"] for r in run.records()] == ["Latent Diffusion Models for Video Generation"]
    assert "1 matched only by single words of multi-word terms" in run.stderr and "--show-partial" in run.stderr
    shown = cli("rank", listing, *DIFFUSION, "-f", "jsonl", "--no-record", "--plain", "--show-partial")
    assert [r["title"] for r in shown.records()][1] == "Hyperbolic Large Language Models"
    assert all(m["share"] < 1 for m in shown.records()[1]["matches"])


def test_partial_hits_are_marked_in_table_markdown_and_csv(tmp_path: Path) -> None:
    import csv
    import io

    listing = str(diffusion_page(tmp_path))
    args = ("rank", listing, *DIFFUSION, "--no-record", "--plain", "--show-partial")
    rows = list(csv.DictReader(io.StringIO(cli(*args, "-f", "csv").stdout)))
    hyper = rows[1]
    assert hyper["matched_terms"] == ""
    assert "diffusion model (only: Models" in hyper["partial_terms"]
    assert "video generation (only: generation)" in hyper["partial_terms"]
    assert rows[0]["matched_terms"].split("; ")[:2] == ["diffusion model", "video generation"]
    md = cli(*args, "-f", "md").stdout
    assert "  - partly (single words of a term, not a match): diffusion model \\(only: Models" in md
    assert "  - matched: diffusion model" in md
    table = cli(*args, "--width", "120").stdout
    assert "partly:" in table and "(only:" in table


def test_no_partial_switches_partial_credit_off_globally_and_per_term(tmp_path: Path) -> None:
    listing = str(diffusion_page(tmp_path))
    off = cli("rank", listing, *DIFFUSION, "-f", "jsonl", "--no-record", "--plain", "--show-partial", "--no-partial")
    assert [r["title"] for r in off.records()] == ["Latent Diffusion Models for Video Generation"]
    assert all(m["share"] == 1 for r in off.records() for m in r["matches"])
    config = tmp_path / "c.yaml"
    config.write_text("profiles:\n  d:\n    terms:\n      - {term: diffusion model, partial: false}\n"
                      "      - video generation\n", encoding="utf-8")
    run = cli("rank", listing, "-c", str(config), "-f", "jsonl", "--no-record", "--plain", "--show-partial")
    hyper = [r for r in run.records() if r["title"].startswith("Hyperbolic")][0]
    assert {m["term"] for m in hyper["matches"]} == {"video generation"}


def test_real_daily_page_hides_partial_only_papers(seed: Path) -> None:
    run = cli("rank", str(seed), *DIFFUSION, "-f", "jsonl", "--no-record", "--top", "0")
    titles = [r["title"] for r in run.records()]
    assert "Hyperbolic Large Language Models" not in titles
    assert all(any(m["share"] == 1 and not m["learned"] for m in r["matches"]) for r in run.records())
    assert "matched only by single words" in run.stderr


def pruning_rows(n: int = 300) -> list[tuple[str, str]]:
    """20 pruning papers that say `sparsity` and the generic `novel` and `superior`, 10 sparsity
    papers that never say pruning, weather papers."""
    rows = []
    for i in range(n):
        if i % 15 == 0:
            rows.append((f"Pruning study {i}", f"A novel pruning reaches superior sparsity; studies emerged {i}."))
        elif i % 30 == 7:
            rows.append((f"Structured sparsity {i}", f"A sparse model with structured sparsity {i}."))
        else:
            rows.append((f"Radar forecast {i}", f"A weather model for rainfall nowcasting over region {i}."))
    return rows


def pruning_csv(tmp_path: Path) -> Path:
    path = tmp_path / "listing.csv"
    path.write_text("title,abstract\n" + "".join(f'"{t}","{a}"\n' for t, a in pruning_rows()), encoding="utf-8")
    return path


def test_generic_academic_words_are_never_learned() -> None:
    from papertriage.calibration import calibrate
    from papertriage.models import Profile, Term, make_paper

    sample = [make_paper(title=t, abstract=a, source="test") for t, a in pruning_rows()]
    [prof] = calibrate([Profile("p", (Term("pruning"),))], sample)
    assert "sparsity" in prof.learned
    assert not {"novel", "superior", "studies", "study", "emerged"} & set(prof.learned)


def test_no_learn_keeps_rarity_but_learns_nothing(tmp_path: Path) -> None:
    listing = str(pruning_csv(tmp_path))
    run = cli("rank", listing, "-k", "pruning", "-f", "jsonl", "--top", "0", "--no-record", "--no-learn")
    records = run.records()
    assert len(records) == 20 and "related words learned" not in run.stderr
    assert all(m["rarity"] > 1 and not m["learned"] for r in records for m in r["matches"])
    learning = cli("rank", listing, "-k", "pruning", "-f", "jsonl", "--top", "0", "--no-record", "--show-partial")
    assert any(m["learned"] for r in learning.records() for m in r["matches"])
    explained = cli("explain", listing, "Pruning study 0", "-k", "pruning", "-f", "json", "--no-learn")
    import json

    [row] = json.loads(explained.stdout)["profiles"]
    assert [m["term"] for m in row["matches"]] == ["pruning", "pruning"]


def test_learned_words_are_shown_apart_from_matches(tmp_path: Path) -> None:
    import csv
    import io

    listing = str(pruning_csv(tmp_path))
    args = ("rank", listing, "-k", "pruning", "--top", "3", "--no-record")
    [row, *_] = csv.DictReader(io.StringIO(cli(*args, "-f", "csv").stdout))
    assert row["matched_terms"] == "pruning" and "sparsity" in row["learned_words"].split("; ")
    assert "related words learned from the listing: sparsity" in cli(*args, "-f", "md").stdout
    assert "related: ~sparsity" in cli(*args, "--width", "160").stdout


def test_real_scopus_export_learns_no_generic_word(corpora: Path) -> None:
    run = cli("rank", str(corpora / "bibtex" / "litsearchr_scopus_final.bib"), "-k", "machine learning",
              "-f", "jsonl", "--top", "0", "--no-record")
    learned = {m["term"] for r in run.records() for m in r["matches"] if m["learned"]}
    assert not {"studies", "likely", "known", "efforts", "established", "wide", "nine"} & learned
    assert len(run.records()) < 50


def test_an_alias_that_is_the_plural_counts_once(tmp_path: Path) -> None:
    import json

    listing = str(diffusion_page(tmp_path))
    config = tmp_path / "c.yaml"

    def explained(terms: str) -> dict:  # type: ignore[type-arg]
        config.write_text(f"profiles:\n  d:\n    terms:\n{terms}", encoding="utf-8")
        run = cli("explain", listing, "Hyperbolic Large Language Models", "-c", str(config), "-f", "json", "--plain")
        return json.loads(run.stdout)  # type: ignore[no-any-return]

    alone = explained("      - diffusion model\n")
    plural = explained("      - {term: diffusion model, aliases: [diffusion models, Diffusion-Models]}\n")
    assert plural["score"] == alone["score"] > 0
    assert len(plural["profiles"][0]["matches"]) == len(alone["profiles"][0]["matches"]) == 2  # title, abstract
    whole = cli("explain", listing, "Latent Diffusion Models", "-c", str(config), "-f", "json", "--plain")
    config.write_text("profiles:\n  d:\n    terms:\n      - diffusion model\n", encoding="utf-8")
    assert json.loads(whole.stdout)["score"] == json.loads(
        cli("explain", listing, "Latent Diffusion Models", "-c", str(config), "-f", "json", "--plain").stdout)["score"]


def test_a_nested_alias_does_not_count_its_words_again() -> None:
    from papertriage.models import Profile, Term, make_paper
    from papertriage.scoring import Scorer

    paper = make_paper(title="Sparse mixture of experts", abstract="", source="test")
    plain = Scorer([Profile("p", (Term("mixture of experts"),))]).score(paper)
    nested = Scorer([Profile("p", (Term("mixture of experts", aliases=("sparse mixture of experts", "experts")),))]
                    ).score(paper)
    assert [m.count for m in nested.matches] == [m.count for m in plain.matches] == [1]
    assert nested.score == plain.score


def test_highlights_are_exactly_the_spans_that_matched() -> None:
    from papertriage.models import Profile, Term, make_paper
    from papertriage.scoring import Scorer

    title = "Mixture of Experts to the Rescue of Routing"
    paper = make_paper(title=title, abstract="", source="test")
    scorer = Scorer([Profile("p", (Term("mixture of experts"), Term("routing")))])
    spans = scorer.highlights(scorer.score(paper))["title"]
    assert [title[a:b] for a, b, _ in spans] == ["Mixture of Experts", "Routing"]
    partial = Scorer([Profile("p", (Term("graph routing"),))])
    [(a, b, kind)] = partial.highlights(partial.score(paper))["title"]
    assert (title[a:b], kind) == ("Routing", "partial")


def test_abstracts_show_the_sentence_that_matched(tmp_path: Path) -> None:
    from .test_hf_text import page

    path = tmp_path / "listing.txt"
    path.write_text(page([("Routing at Scale", "We revisit old ideas. Many systems exist. Our router uses a mixture "
                           "of experts with load-aware gates. It is fast.", "  • 2 authors", "Mar 3, 2025 7")]),
                    encoding="utf-8")
    run = cli("rank", str(path), "-k", "mixture of experts", "--abstracts", "--no-record", "--width", "120")
    text = " ".join(run.stdout.split())
    assert "Our router uses a mixture of experts with load-aware gates." in text
    assert "We revisit old ideas" not in text


def arxiv_listing(tmp_path: Path) -> Path:
    import json

    path = tmp_path / "papers.jsonl"
    rows = [{"id": "2501.01234", "title": "Sparse Mixture of Experts Routing", "abstract": "A mixture of experts.",
             "authors": ["Ada Lovelace", "Alan Turing"], "published": "2025-01-02", "categories": ["cs.LG"]},
            {"id": "2501.04321", "title": "Dense Mixture of Experts Serving", "abstract": "Serving experts.",
             "authors": ["Grace Hopper"], "published": "2025-01-05", "categories": ["cs.LG"],
             "url": "https://example.org/\x1b]8;;https://evil.example\x1b\\x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_table_leads_to_each_paper(tmp_path: Path) -> None:
    listing = str(diffusion_page(tmp_path))
    table = cli("rank", listing, *DIFFUSION, "--no-record", "--width", "80").stdout
    flat = "".join(table.split())
    assert "https://huggingface.co/papers?q=Latent+Diffusion+Models+for+Video+Generation" in flat
    assert "5 authors" in table
    arxiv = cli("rank", str(arxiv_listing(tmp_path)), "-k", "mixture of experts", "--no-record", "--width", "80").stdout
    assert "https://arxiv.org/abs/2501.01234" in arxiv and "Ada Lovelace et al." in arxiv
    assert "Grace Hopper" in arxiv and "Grace Hopper et al." not in arxiv
    md = cli("rank", listing, *DIFFUSION, "--no-record", "-f", "md").stdout
    assert "](https://huggingface.co/papers?q=Latent+Diffusion+Models+for+Video+Generation)" in md


def test_terminal_links_are_osc8_hyperlinks_and_sanitised(tmp_path: Path) -> None:
    run = cli("rank", str(arxiv_listing(tmp_path)), "-k", "mixture of experts", "--no-record", "--width", "120",
              "--color", "always")
    assert "\x1b]8;id=" in run.stdout and ";https://arxiv.org/abs/2501.01234\x1b\\" in run.stdout
    assert "evil.example\x1b" not in run.stdout and "]8;;https://evil" not in run.stdout
    never = cli("rank", str(arxiv_listing(tmp_path)), "-k", "mixture of experts", "--no-record", "--color", "never")
    assert "\x1b" not in never.stdout


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_the_table_fits_the_width_and_cuts_nothing(tmp_path: Path, width: int) -> None:
    listing = str(diffusion_page(tmp_path))
    run = cli("rank", listing, *DIFFUSION, "--no-record", "--width", str(width), "--show-partial")
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    flat = " ".join(run.stdout.split())
    for fact in ("Latent Diffusion Models for Video Generation", "Hyperbolic Large Language Models", "2025-03-03",
                 "12", "11.68", "partly:"):
        assert fact in flat, fact
    assert "…" not in run.stdout


def test_color_respects_no_color_and_force_color(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listing = str(diffusion_page(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("rank", listing, *DIFFUSION, "--no-record").stdout
    assert "\x1b[" in cli("rank", listing, *DIFFUSION, "--no-record", "--color", "always").stdout
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("rank", listing, *DIFFUSION, "--no-record").stdout
    assert "\x1b[" not in cli("rank", listing, *DIFFUSION, "--no-record", "--color", "never").stdout


def survey_page(tmp_path: Path) -> Path:
    from .test_hf_text import page

    path = tmp_path / "listing.txt"
    path.write_text(page([
        ("Zeppelin: Balancing Variable-Length Workloads", "Load balancing for training.", "  • 4 authors", "Mar 1, 2025"),
        ("A Survey on Mixture of Experts", "We survey mixture of experts models.", "  • 6 authors", "Mar 2, 2025"),
        ("A Survey on Inference Optimization", "A survey of serving.", "  • 3 authors", "Mar 3, 2025"),
        ("Expert Routing for Sparse Models", "Routing to an expert.", "  • 2 authors", "Mar 4, 2025"),
    ]), encoding="utf-8")
    return path


def test_explain_says_when_no_title_is_close_and_exits_1(tmp_path: Path) -> None:
    run = cli("explain", str(survey_page(tmp_path)), "zzzz", "-k", "mixture of experts")
    assert run.exit_code == 1 and run.stdout == ""
    assert "has a title close to 'zzzz'" in run.stderr and "closest: 1." in run.stderr and "3." in run.stderr


def test_explain_finds_the_paper_meant_and_warns_when_the_match_is_weak(tmp_path: Path) -> None:
    import json

    listing = str(survey_page(tmp_path))
    run = cli("explain", listing, "mixture of expert survey", "-k", "mixture of experts", "-f", "json")
    assert json.loads(run.stdout)["paper"]["title"] == "A Survey on Mixture of Experts"
    assert "weak" not in run.stderr
    vague = cli("explain", listing, "survey", "-k", "mixture of experts", "-f", "json")
    assert vague.exit_code == 0 and "is weak" in vague.stderr and "A Survey on Inference Optimization" in vague.stderr


def test_explain_takes_an_arxiv_id_a_doi_or_a_pmid(tmp_path: Path) -> None:
    import json

    listing = str(arxiv_listing(tmp_path))
    for query in ("2501.04321", "arXiv:2501.04321v2", "https://arxiv.org/abs/2501.04321", "arxiv:2501.04321"):
        run = cli("explain", listing, query, "-k", "mixture of experts", "-f", "json")
        assert json.loads(run.stdout)["paper"]["title"] == "Dense Mixture of Experts Serving", query
    pubmed = tmp_path / "p.nbib"
    pubmed.write_text("PMID- 31415926\nTI  - Migraine and triptans\nAB  - About triptans.\nLID - 10.1000/xyz123 [doi]\n\n"
                      "PMID- 27182818\nTI  - Headache care\nAB  - About care.\n\n", encoding="utf-8")
    for query, title in (("31415926", "Migraine and triptans"), ("PMID 27182818", "Headache care"),
                         ("doi:10.1000/XYZ123", "Migraine and triptans")):
        run = cli("explain", str(pubmed), query, "-k", "triptan", "-f", "json")
        assert json.loads(run.stdout)["paper"]["title"] == title, query


def test_explain_rank_n_explains_the_nth_paper_of_the_last_ranking(tmp_path: Path) -> None:
    import json

    listing = str(survey_page(tmp_path))
    shown = cli("rank", listing, "-k", "survey", "-f", "jsonl")
    second = shown.records()[1]["title"]
    run = cli("explain", "--rank", "2", "-k", "survey", "-f", "json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["paper"]["title"] == second
    assert cli("explain", listing, "--rank", "9", "-k", "survey").exit_code == 1
    assert cli("explain", listing, "-k", "survey").exit_code == 2


def test_explain_on_the_real_page_finds_the_survey(seed: Path) -> None:
    import json

    run = cli("explain", str(seed), "mixture of expert survey", "-k", "mixture of experts", "-f", "json")
    assert json.loads(run.stdout)["paper"]["title"] == "A Survey on Mixture of Experts"
    assert cli("explain", str(seed), "zzzz", "-k", "mixture of experts").exit_code == 1


def test_explain_is_readable_at_60_columns(tmp_path: Path) -> None:
    run = cli("explain", str(arxiv_listing(tmp_path)), "2501.01234", "-k", "mixture of experts", "--width", "60")
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "…" not in run.stdout
    assert any(line.strip().startswith("mixture of experts · title · Mixture of Experts") for line in lines)
    assert any("× sat(1) × 1 = " in line for line in lines)


def test_sort_since_and_per_profile_top(tmp_path: Path) -> None:
    from .test_hf_text import page

    path = tmp_path / "listing.txt"
    path.write_text(page([
        ("Mixture of Experts at Scale with Mixture of Experts", "Mixture of experts.", "  • 2 authors", "Jan 5, 2025 1"),
        ("Mixture of Experts Routing", "Routing.", "  • 2 authors", "Mar 5, 2025 30"),
        ("Quantization of Everything", "Quantization.", "  • 2 authors", "Feb 5, 2025 9"),
        ("Quantization Again", "Again.", "  • 2 authors", "Dec 5, 2024 2"),
    ]), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("profiles:\n  moe:\n    terms: [mixture of experts]\n  quant:\n    terms: [quantization]\n",
                      encoding="utf-8")
    base = ("rank", str(path), "-c", str(config), "-f", "jsonl", "--no-record")
    by_score = [r["title"] for r in cli(*base).records()]
    assert by_score[0].startswith("Mixture of Experts at Scale")
    assert [r["published"] for r in cli(*base, "--sort", "date").records()] == ["2025-03-05", "2025-02-05",
                                                                                 "2025-01-05", "2024-12-05"]
    assert [r["upvotes"] for r in cli(*base, "--sort", "upvotes").records()] == [30, 9, 2, 1]
    since = cli(*base, "--since", "2025-02-01")
    assert sorted(r["published"] for r in since.records()) == ["2025-02-05", "2025-03-05"]
    assert "2 published before 2025-02-01 or undated left out (--since)" in since.stderr
    assert cli(*base, "--top", "1").records()[0]["profile"] == "moe" and len(cli(*base, "--top", "1").records()) == 1
    per = cli(*base, "--top", "1", "--per-profile").records()
    assert sorted(r["profile"] for r in per) == ["moe", "quant"]
    assert cli(*base, "--since", "yesterday").exit_code == 2


def test_lint_counts_what_rank_scores(tmp_path: Path) -> None:
    from .test_hf_text import page

    path = tmp_path / "listing.txt"
    path.write_text(page([
        ("Compressing the KV Cache", "Quantization of the KV cache.", "  • 2 authors", "Mar 1, 2025"),
        ("A Key Idea for Serving", "We cache nothing.", "  • 2 authors", "Mar 2, 2025"),
        ("Key Results in Vision", "Keys and values.", "  • 2 authors", "Mar 3, 2025"),
        ("Graph Coloring", "Local search.", "  • 2 authors", "Mar 4, 2025"),
    ]), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("profiles:\n  e:\n    terms:\n      - {term: KV cache, aliases: [key-value cache]}\n"
                      "      - {term: sparse attention}\n", encoding="utf-8")
    lint = cli("profiles", "-c", str(config), "--lint", str(path), "--width", "60")
    assert max(len(line) for line in lint.stdout.splitlines()) <= 60
    text = " ".join(lint.stdout.split())
    assert "e · KV cache papers 1 (25%) · only words 2 · rarity 1 " in text  # (4 / (1 + 2 + 1)) ** 0.25
    assert "e · sparse attention papers 0 (0%) · only words 0 · rarity 1.414" in text
    assert "matches no paper: check the spelling" in text
    ranked = cli("rank", str(path), "-c", str(config), "-f", "jsonl", "--no-record", "--show-partial", "--plain").records()
    whole = [r for r in ranked if any(m["term"] == "KV cache" and m["share"] == 1 for m in r["matches"])]
    partly = [r for r in ranked if r not in whole and any(m["term"] == "KV cache" for m in r["matches"])]
    assert (len(whole), len(partly)) == (1, 2)


class _Terminal:
    """A stderr that says it is a terminal and keeps what was written."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise OSError("no file")


def test_progress_speaks_in_files_and_megabytes_from_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from papertriage import cli as cli_module

    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("x" * 300_000, encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("PAPERTRIAGE_NO_PROGRESS", raising=False)
    with cli_module.progress_reporter([str(tmp_path)], calibrating=True) as report:
        assert terminal.buffer.getvalue() == "reading 2 files (0.6 MB); calibrating the profiles on the first papers…"
        assert report is not None
        report(0, 1)
        report(1, 1)
    written = terminal.buffer.getvalue()
    assert "files" in written and "MB" in written and "left" in written
    assert written.endswith("\r\x1b[2K")  # the line is cleared before the summary


@pytest.mark.parametrize("width", [60, 80])
def test_real_page_fits_narrow_terminals_with_a_link_for_every_paper(seed: Path, width: int) -> None:
    run = cli("rank", str(seed), "-k", "mixture of experts", "-k", "quantization", "--no-record", "--top", "0",
              "--width", str(width))
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= width and "…" not in run.stdout
    records = cli("rank", str(seed), "-k", "mixture of experts", "-k", "quantization", "--no-record", "--top", "0",
                  "-f", "jsonl").records()
    flat = "".join(run.stdout.split())
    assert records and all("".join(r["title"].split()) in flat for r in records)
    assert flat.count("https://huggingface.co/papers?q=") == len(records)


def test_real_page_lint_agrees_with_rank(seed: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("profiles:\n  e:\n    terms:\n      - {term: KV cache, aliases: [key-value cache]}\n"
                      "      - {term: mixture of experts, aliases: [mixtures of experts]}\n", encoding="utf-8")
    lint = " ".join(cli("profiles", "-c", str(config), "--lint", str(seed), "--width", "60").stdout.split())
    ranked = cli("rank", str(seed), "-c", str(config), "-f", "jsonl", "--no-record", "--top", "0", "--plain").records()
    for term in ("KV cache", "mixture of experts"):
        whole = sum(1 for r in ranked if any(m["term"] == term and m["share"] == 1 for m in r["matches"]))
        assert f"e · {term} papers {whole} (" in lint
    assert "matches no paper whole" in lint  # KV cache: only the lone words key and cache
    explained = cli("explain", str(seed), "A Survey on Mixture of Experts", "-c", str(config), "-f", "json", "--plain")
    import json

    rows = json.loads(explained.stdout)["profiles"][0]["matches"]
    assert len([m for m in rows if m["term"] == "mixture of experts" and m["field"] == "title"]) == 1


def test_partial_only_is_the_same_with_or_without_the_matches() -> None:
    """rank decides what to hold from scores without matches, and shows the matches: both must agree
    that a paper matched only by lone words or related words learned from the listing is no match, and
    that one matched by a word the decisions taught is shown (the user vouched for that word)."""
    from papertriage.learning import WordModel
    from papertriage.models import Profile, Term, make_paper
    from papertriage.scoring import Scorer

    fields = (("title", 3.0), ("abstract", 1.0))
    profile = Profile("p", (Term("graph routing"), Term("sparsity", learned=True, exact=True)), fields=fields,
                      model=WordModel(("router",), (1.0,), (0.5,), fields, keeps=1, skips=1))
    scorer = Scorer([profile])
    papers = [make_paper(title=t, abstract="", source="test") for t in
              ("Routing at scale", "Sparsity everywhere", "A router", "Graph routing", "Nothing here")]
    quick = scorer.score_many(papers, whole_first=True)
    detailed = [scorer.score(p, whole_first=True) for p in papers]
    assert [s.partial_only for s in quick] == [s.partial_only for s in detailed] == [True, True, False, False, False]
