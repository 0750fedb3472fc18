"""The review screen: one paper at a time, best first, decided with one key and re-ranked after each."""

from __future__ import annotations

import os
import sys
import webbrowser
from dataclasses import dataclass
from typing import Callable, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from papertriage.exports import printable, strip_controls
from papertriage.exports.explain import _term as term_label
from papertriage.models import Paper, Scored
from papertriage.review.highlight import AGAINST, EXCLUDE, LEARNED, PART, TERM, Highlighter, Span, painted
from papertriage.review.session import Review, UndoElsewhere
from papertriage.scoring import Scorer


@dataclass(frozen=True)
class Key:
    key: str
    """As textual names it."""
    shown: str
    """As the footer, the buttons and --list-keys show it."""
    action: str
    label: str
    help: str


KEYS = (
    Key("k", "k", "decide('keep')", "keep", "keep the paper (recorded at once)"),
    Key("s", "s", "decide('skip')", "skip", "skip the paper"),
    Key("m", "m", "decide('maybe')", "maybe", "maybe: decide later (counts as neither)"),
    Key("u", "u", "undo", "undo", "take back the last decision; its paper is shown again"),
    Key("n", "n", "note", "note", "write a note, saved with the paper's decision"),
    Key("o", "o", "open", "open", "open the link in the browser (or show it when none can be opened)"),
    Key("e", "e", "explain", "explain", "show or hide the score and its main contributions"),
    Key("slash", "/", "find", "find", "find a paper left by its title (or id) and show it"),
    Key("q", "q", "quit", "quit", "quit; every decision is saved already, review again resumes"),
    Key("left", "←", "move(-1)", "", "the previous paper in the ranking, without deciding"),
    Key("right", "→", "move(1)", "", "the next paper in the ranking, without deciding"),
)
SCROLL_HELP = "↑ ↓ PgUp PgDn Home End scroll the paper; the buttons at the bottom do what their keys do"

STYLES = {
    TERM: "bold #000000 on #e3b341",
    PART: "underline #e3b341",
    LEARNED: "italic underline #79c0ff",
    AGAINST: "italic #ff9492",
    EXCLUDE: "bold strike #ffffff on #b62324",
}
"""Highlight styles; each differs from the others without colour too (bold, underline, italic,
strike), as NO_COLOR shows them."""

LEGEND = ((TERM, "term"), (PART, "word of a term"), (LEARNED, "learned"), (AGAINST, "learned against"),
          (EXCLUDE, "exclude"))
MAIN_CONTRIBUTIONS = 8
TAUGHT_SHOWN = 8
"""The words learned from decisions marked in a paper: those adding or taking the most from its score."""
AUTHORS_SHOWN = 8


def short(text: str, limit: int = 30) -> str:
    text = printable(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def keys_help() -> str:
    """The keys, one a line (review --list-keys)."""
    lines = [f"  {k.shown:<6} {k.help}" for k in KEYS]
    return "\n".join(["Keys of papertriage review:", *lines, f"  {SCROLL_HELP}"])


def open_in_browser(url: str) -> bool:
    """Open url in a graphical browser, if this session has one; a terminal browser would fight
    the screen for the terminal, so on X11/Wayland-less Linux nothing is tried."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


def legend() -> Text:
    out = Text()
    for kind, label in LEGEND:
        out.append(" ")
        out.append(label, style=STYLES[kind])
    return out


def explanation(scored: Scored, limit: int = MAIN_CONTRIBUTIONS) -> RenderableType:
    """The score and its largest contributions, with the numbers of `papertriage explain`."""
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False, header_style="bold")
    for col in ("term", "field", "matched", "sim", "n", "contribution"):
        table.add_column(col, justify="right" if col in ("sim", "n", "contribution") else "left",
                         no_wrap=col != "matched", overflow="ellipsis", max_width=24 if col != "contribution" else None)
    ranked = sorted(scored.matches, key=lambda m: -abs(m.contribution))
    for m in ranked[:limit]:
        table.add_row(Text(term_label(m)), m.field, Text(printable(m.text)), f"{m.similarity:g}",
                      str(m.count), f"{m.contribution:g}")
    title = Text(f"score {scored.score:g}", style="bold")
    if not scored.matches:
        title.append(" : no term matched, or an exclude/require/min_score rule dropped the paper", style="")
        return title
    rest = len(ranked) - limit
    if rest > 0:
        title.append(f"  (the {limit} largest of {len(ranked)}; explain lists all)", style="dim")
    return Group(title, table)


def taught_words(scored: Scored, limit: int = TAUGHT_SHOWN) -> list[tuple[str, float]]:
    """The words learned from decisions that weigh most in this paper's score, with their contribution."""
    taught = [m for m in scored.matches if m.from_decisions]
    taught.sort(key=lambda m: -abs(m.contribution))
    return [(m.term, m.contribution) for m in taught[:limit]]


def paper_header(paper: Paper, spans: list[Span] | None, position: str) -> RenderableType:
    title = painted(paper.title, spans or [], STYLES)
    title.stylize("bold")
    authors = list(paper.authors)
    if authors:
        who = "; ".join(printable(a) for a in authors[:AUTHORS_SHOWN])
        if len(authors) > AUTHORS_SHOWN:
            who += f"; … ({len(authors)} authors)"
    elif paper.n_authors:
        who = f"{paper.n_authors} authors"
    else:
        who = printable(paper.organization or "no authors listed")
    facts = " · ".join(printable(x) for x in (paper.published or "no date", paper.source, paper.id) if x)
    lines = [title, Text(who, style="italic"), Text(facts + ("" if paper.url else " · no link"), style="dim")]
    if paper.url:
        lines.append(Text(printable(paper.url), style="underline"))
    return Group(*lines, Text(position, style="dim"))


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a note, a title to find); Enter gives it, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question)
            yield Input(value=self.value, id="answer")
            yield Label("Enter: done · Escape: cancel", classes="hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Notice(ModalScreen[None]):
    """A message to read (a link that could not be opened); any key closes it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(Text(strip_controls(self.text)))
            yield Label("any key: close", classes="hint")

    def on_key(self) -> None:
        self.dismiss(None)


class ReviewScreen(Screen[None]):
    # priority: the paper's scroll view would take the arrows for sideways scrolling
    BINDINGS: ClassVar[list[BindingType]] = [Binding(k.key, k.action, k.label or k.help, key_display=k.shown,
                                                     priority=True) for k in KEYS]

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review
        self.cursor = 0
        """Position in review.order of the paper shown."""
        self.notes: dict[int, str] = {}
        """Notes written for papers not yet decided (saved with the decision)."""
        self.show_explain = False
        self.message = ""
        self._highlighter: tuple[int, Highlighter] | None = None
        self._shown: int | None = None
        """The paper on screen (recorded as shown once, scrolled to its top when it changes)."""

    def compose(self) -> ComposeResult:
        yield Static(id="progress")
        with VerticalScroll(id="paper"):
            yield Static(id="meta")
            yield Static(id="explain")
            yield Static(id="abstract")
        with Horizontal(id="buttons"):
            for n, k in enumerate(KEYS):
                label = Text.assemble((k.shown, "bold"), f" {k.label}" if k.label else "")
                button = Button(label, id=f"key-{n}", compact=True)
                # all eleven fit in 80 columns only without the button's side padding, which CSS
                # cannot remove (`line-pad: 0` is refused)
                button.styles.line_pad = 0
                button.styles.width = label.cell_len
                yield button

    def on_mount(self) -> None:
        self.refresh_paper()

    @property
    def current(self) -> int | None:
        order = self.review.order
        if not order:
            return None
        self.cursor = max(0, min(self.cursor, len(order) - 1))
        return order[self.cursor]

    def highlighter(self) -> Highlighter:
        """One per profile the screener holds: a new one once decisions teach new words."""
        profile = self.review.screener.profile
        if self._highlighter is None or self._highlighter[0] != id(profile):
            self._highlighter = (id(profile), Highlighter(Scorer([profile]), profile.name))
        return self._highlighter[1]

    def refresh_paper(self) -> None:
        self.query_one("#progress", Static).update(self.progress())
        i = self.current
        explain = self.query_one("#explain", Static)
        if i is None:
            self.query_one("#meta", Static).update(Text(
                f"Every paper of the listing is decided ({self.review.count('keep')} kept). "
                "u takes back the last decision; q quits.", style="bold"))
            self.query_one("#abstract", Static).update("")
            explain.display = False
            return
        paper = self.review.papers[i]
        scored = self.review.explained(i)
        spans = self.highlighter().spans(paper, taught_words(scored))
        left = len(self.review.order)
        position = f"paper {self.cursor + 1} of {left} left, best first · e: score · ← →: move"
        parts: list[RenderableType] = [paper_header(paper, spans.get("title"), position)]
        if i in self.notes:
            parts.append(Text(f"note: {self.notes[i]}", style="bold"))
        parts.append(legend())
        self.query_one("#meta", Static).update(Group(*parts))
        explain.display = self.show_explain
        if self.show_explain:
            explain.update(explanation(scored))
        abstract = painted(paper.abstract, spans.get("abstract", []), STYLES) if paper.abstract else Text(
            "(no abstract in the listing)", style="dim")
        self.query_one("#abstract", Static).update(abstract)
        if i != self._shown:
            self.query_one("#paper", VerticalScroll).scroll_home(animate=False)
            self.review.shown(i)
            self._shown = i

    def progress(self) -> Group:
        """Two lines: where the screening stands; the last action and what the stopping rule says."""
        r = self.review
        stop = r.stopping()
        first = Text(no_wrap=True, overflow="ellipsis")
        first.append(printable(r.profile), style="bold")
        first.append(f" · screened {len(r.decided)}/{r.total} · kept {r.count('keep')} · maybe {r.count('maybe')} · ")
        first.append(f"about {stop.estimated_left:g} relevant left" if r.decided else "? relevant left")
        second = Text(no_wrap=True, overflow="ellipsis")
        if self.message:
            second.append(f"{self.message} · ", style="italic")
        second.append("you may stop" if stop.stop else "go on", style="bold reverse" if stop.stop else "bold")
        if stop.reason:
            second.append(f": {printable(stop.reason)}")
        return Group(first, second)

    def action_decide(self, decision: str) -> None:
        i = self.current
        if i is None:
            return
        self.review.decide(i, decision, self.notes.pop(i, None))
        self.message = f"{decision}: {short(self.review.papers[i].title)}"
        self.cursor = 0
        self.refresh_paper()

    def action_undo(self) -> None:
        try:
            last = self.review.undo()
        except UndoElsewhere as exc:
            self.app.push_screen(Notice(f"Not undone: {exc}."))
            return
        if last is None:
            self.message = "nothing to undo"
        else:
            self.message = f"undid {last.decision}"
            if last.note:
                self.notes[last.index] = last.note
            self.cursor = self.review.order.index(last.index) if last.index in self.review.order else 0
        self.refresh_paper()

    def action_move(self, step: int) -> None:
        if self.review.order:
            self.cursor = max(0, min(self.cursor + step, len(self.review.order) - 1))
            self.message = ""
            self.refresh_paper()

    def action_explain(self) -> None:
        self.show_explain = not self.show_explain
        self.refresh_paper()

    def action_note(self) -> None:
        i = self.current
        if i is None:
            return

        def keep_note(text: str | None) -> None:
            if text is not None:
                if text.strip():
                    self.notes[i] = text.strip()
                else:
                    self.notes.pop(i, None)
                self.refresh_paper()

        self.app.push_screen(TextPrompt("Note for this paper (saved with its decision):", self.notes.get(i, "")),
                             keep_note)

    def action_find(self) -> None:
        def jump(text: str | None) -> None:
            if not text or not text.strip():
                return
            from papertriage.lookup import find

            order = self.review.order
            found = find((self.review.papers[i] for i in order), text)
            if found.paper is not None:
                self.cursor = next(n for n, i in enumerate(order) if self.review.papers[i] is found.paper)
                self.message = f"found: {short(text)}" + (" (closest title)" if found.how == "weak" else "")
            else:
                self.message = f"no paper left matches {short(text)}"
            self.refresh_paper()

        self.app.push_screen(TextPrompt("Find a paper left by its title or id:"), jump)

    def action_open(self) -> None:
        i = self.current
        if i is None:
            return
        url = self.review.papers[i].url
        opener: Callable[[str], bool] = getattr(self.app, "open_link", open_in_browser)
        if url and opener(url):
            self.message = "opened the link in the browser"
            self.refresh_paper()
            return
        if url:
            self.app.copy_to_clipboard(url)
            self.app.push_screen(Notice(f"No browser can be opened from here. The link (also copied to the "
                                        f"clipboard, where the terminal allows it):\n\n{printable(url)}"))
        else:
            paper_id = printable(self.review.papers[i].id)
            self.app.push_screen(Notice(f"The listing gives no link for this paper; its id is {paper_id}."))

    def action_quit(self) -> None:
        self.app.exit()

    @on(Button.Pressed)
    async def pressed(self, event: Button.Pressed) -> None:
        await self.run_action(KEYS[int((event.button.id or "").removeprefix("key-"))].action)


class ReviewApp(App[None]):
    """`papertriage review`: the screen over a Review."""

    TITLE = "papertriage review"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #progress { height: 2; background: $panel; padding: 0 1; }
    #paper { height: 1fr; padding: 0 1; }
    #paper > Static { max-width: 110; }  /* longer lines are hard to read */
    #explain { margin: 1 0 0 0; padding: 0 1; border-left: thick $accent; }
    #abstract { margin: 1 0 0 0; }
    #buttons { height: 1; dock: bottom; }
    #buttons Button { min-width: 0; margin: 0 1 0 0; }
    #prompt { width: 70%; max-width: 100; height: auto; padding: 1 2; background: $panel; border: round $accent; }
    TextPrompt, Notice { align: center middle; }
    .hint { color: $text-muted; }
    """

    def __init__(self, review: Review, open_link: Callable[[str], bool] = open_in_browser) -> None:
        super().__init__()
        self.review = review
        self.open_link = open_link

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.review))
