"""Paper against original, page by page: align, lay the scan onto the page, diff line by line.

1. The page's words are aligned as sequences of keys (``difflib``): runs of words both share
   pair a printed word with a word of the original.
2. Those pairs fit a homography from the scan's pixels to the original's points
   (``geometry.fit``), so every printed word lands on the original page, whatever the scan's
   rotation, scale or perspective, and whatever order the OCR read the columns in.
3. Each printed word joins the original line it lands on; words landing in a signature's
   appearance or off the page are left out. Each line is then diffed on its own, and every
   difference judged (``judge``): a change, a doubt, or OCR noise.
4. Results of one template line up with one another: the motto, the agency, "Nơi nhận:", the
   signer's titles and the template's headings sit at the same places. So a page is a copy of
   the original page only when enough of the original's *distinctive* words (those not in the
   layout's fixed text, ``layout_text``: names, numbers, dates, the content) are found on it
   (``Thresholds.min_distinctive``); otherwise it shows another document, and its differences
   are not listed as changes of this one. A forger changes a few words and leaves the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from verify.printed.geometry import Homography, Point, fit
from verify.printed.judge import Judgement, Thresholds, Verdict, added, different, missing
from verify.printed.model import (
    Box,
    Change,
    ChangeKind,
    OriginalPage,
    OriginalWord,
    PageComparison,
    PrintComparison,
    PrintVerdict,
    ScanPage,
    ScanWord,
)
from verify.printed.tokens import edits, key

#: share of dark pixels in a box of the scan's page image (pixels)
InkProbe = Callable[[Box], float]
#: points a fitted pair may land from its partner (a line of 13 pt text is ~17 pt high)
FIT_TOLERANCE = 5.0
_KINDS = {"removed": ChangeKind.REMOVED, "added": ChangeKind.ADDED}
_PUNCT = ".,;:!?()[]\"'“”‘’…-–/"


@dataclass(frozen=True)
class _Placed:
    word: ScanWord
    #: the word's box on the original page, in points
    box: Box

    @property
    def centre(self) -> Point:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def _centre(box: Box) -> Point:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _inside(point: Point, box: Box, margin: float = 0.0) -> bool:
    x, y = point
    return box[0] - margin <= x <= box[2] + margin and box[1] - margin <= y <= box[3] + margin


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _anchor_pairs(
    originals: list[OriginalWord], scans: list[ScanWord]
) -> list[tuple[Point, Point]]:
    """(scan centre, original centre) of words in runs both sequences share."""
    a, b = [key(w.text) for w in originals], [key(w.text) for w in scans]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    pairs = []
    for block in matcher.get_matching_blocks():
        if block.size < 2 and not (block.size == 1 and len(a[block.a]) >= 6):
            continue
        for k in range(block.size):
            pairs.append((_centre(scans[block.b + k].box), _centre(originals[block.a + k].box)))
    return pairs


def locate(page: ScanPage, original: OriginalPage) -> Homography | None:
    """The map from the scan's pixels to the original page's points, if the words allow one."""
    originals = [w for w in original.words if key(w.text)]
    scans = [w for w in page.words if key(w.text)]
    return fit(_anchor_pairs(originals, scans), FIT_TOLERANCE)


@dataclass
class _PageDiff:
    page: ScanPage
    original: OriginalPage
    to_scan: Homography
    ink: InkProbe | None
    thresholds: Thresholds

    def __post_init__(self) -> None:
        self.changes: list[Change] = []
        self.doubts: list[Change] = []
        self.noise = 0
        self.compared = 0
        #: original words found on the paper, per line
        self.found: dict[int, int] = {}
        #: words with nothing read in their place: judged once every line is diffed
        self.unread: list[tuple[OriginalWord, str]] = []
        #: the original's words read on the paper (the same key, or OCR's confusions of it)
        self.read: set[OriginalWord] = set()

    def record(self, verdict: Verdict, original: str, printed: str, region: Box, line: str,
               confidence: float) -> None:  # fmt: skip
        if verdict.judgement is Judgement.NOISE:
            self.noise += 1
            return
        kind = _KINDS.get(verdict.reason, ChangeKind.CHANGED)
        x0, y0, x1, y1 = (round(v, 1) for v in region)
        change = Change(
            kind, self.page.number, self.original.number, original, printed,
            (x0, y0, x1, y1), line, verdict.reason, round(confidence, 1),
        )  # fmt: skip
        (self.changes if verdict.judgement is Judgement.CHANGE else self.doubts).append(change)

    def line(self, number: int, words: list[OriginalWord], placed: list[_Placed]) -> None:
        text = " ".join(w.text for w in words)
        a = [key(w.text) for w in words]
        b = [key(p.word.text) for p in placed]
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        self.found[number] = 0
        for op, i0, i1, j0, j1 in matcher.get_opcodes():
            self.compared += i1 - i0
            if op == "equal":
                self.found[number] += i1 - i0
                self.read.update(words[i0:i1])
                # same letters; a mark or a case the OCR got wrong is noise, counted
                self.noise += sum(
                    words[i0 + k].text.strip(_PUNCT) != placed[j0 + k].word.text.strip(_PUNCT)
                    for k in range(i1 - i0)
                )
                continue
            ours, theirs = words[i0:i1], placed[j0:j1]
            mine, read = sum(len(x) for x in a[i0:i1]), sum(len(x) for x in b[j0:j1])
            if not theirs or not ours or not 0.5 <= read / max(1, mine) <= 2.0:
                # nothing (or a fragment, or far more) read in their place: the words of each
                # side are judged alone, not as a rewrite of one another
                self.unread.extend((word, text) for word in ours)
                for printed in theirs:
                    self.added(printed, text)
            elif len(ours) == len(theirs):
                for word, printed, mine_key, read_key in zip(ours, theirs, a[i0:i1], b[j0:j1],
                                                             strict=True):  # fmt: skip
                    if edits(mine_key, read_key).hard == 0:
                        self.read.add(word)
                    self.replaced([word], [printed], text)
            else:
                self.replaced(ours, theirs, text)

    def coverage(self) -> float:
        return sum(self.found.values()) / max(1, self.compared)

    def judge_unread(self) -> None:
        """Rule 5, once the whole page is diffed: a blank spot is a removal only where the
        OCR read the surroundings (its line, or the lines before and after it)."""
        read_page = self.coverage() >= self.thresholds.min_coverage
        for word, line in self.unread:
            around = self.found.get(word.line, 0) > 0 or (
                self.found.get(word.line - 1, 0) > 0 and self.found.get(word.line + 1, 0) > 0
            )
            if read_page and around:
                self.removed(word, line)
            else:
                self.record(missing(word.text, None, self.thresholds), word.text, "",
                            self.to_scan.box(word.box), line, 100.0)  # fmt: skip

    def replaced(self, ours: list[OriginalWord], theirs: list[_Placed], line: str) -> None:
        confidence = min(p.word.confidence for p in theirs)
        printed = [p.word.text for p in theirs]
        verdict = different([w.text for w in ours], printed, confidence, self.thresholds)
        if verdict.judgement is Judgement.CHANGE and not self.read_whole(ours, theirs):
            verdict = Verdict(Judgement.DOUBT, verdict.reason)
        region = _union([p.word.box for p in theirs])
        self.record(verdict, " ".join(w.text for w in ours), " ".join(printed), region, line,
                    confidence)  # fmt: skip

    def read_whole(self, ours: list[OriginalWord], theirs: list[_Placed]) -> bool:
        """The printed words cover the original ones, or the paper is blank beside them."""
        mine, read = _union([w.box for w in ours]), _union([p.box for p in theirs])
        width = max(1e-6, mine[2] - mine[0])
        covered = (min(mine[2], read[2]) - max(mine[0], read[0])) / width
        if covered >= self.thresholds.read_width:
            return True
        left, right = read[0] - mine[0], mine[2] - read[2]
        rest = (mine[0], mine[1], read[0], mine[3]) if left > right else (
            read[2], mine[1], mine[2], mine[3])  # fmt: skip
        if self.ink is None or rest[2] <= rest[0]:
            return False
        return self.ink(self.to_scan.box(rest)) < self.thresholds.blank_ink

    def removed(self, word: OriginalWord, line: str) -> None:
        region = self.to_scan.box(word.box)
        ink = self.ink(region) if self.ink is not None else None
        self.record(missing(word.text, ink, self.thresholds), word.text, "", region, line, 100.0)

    def added(self, printed: _Placed, line: str) -> None:
        word = printed.word
        verdict = added(word.text, word.confidence, self.thresholds)
        self.record(verdict, "", word.text, word.box, line, word.confidence)


def _assign(
    lines: dict[int, list[OriginalWord]], placed: list[_Placed]
) -> tuple[dict[int, list[_Placed]], list[_Placed]]:
    """Each placed word to the original line it lands on; the rest apart."""
    boxes = {n: _union([w.box for w in words]) for n, words in lines.items()}
    on_line: dict[int, list[_Placed]] = {n: [] for n in lines}
    stray = []
    for word in placed:
        x, y = word.centre
        best, best_distance = None, 0.0
        for n, (x0, y0, x1, y1) in boxes.items():
            height = y1 - y0
            if not (y0 - 0.35 * height <= y <= y1 + 0.35 * height):
                continue
            if not (x0 - height <= x <= x1 + height):
                continue
            distance = abs(y - (y0 + y1) / 2) + max(0.0, x0 - x, x - x1)
            if best is None or distance < best_distance:
                best, best_distance = n, distance
        if best is None:
            stray.append(word)
        else:
            on_line[best].append(word)
    for words in on_line.values():
        words.sort(key=lambda p: p.centre[0])
    return on_line, stray


def fixed_keys(layout_text: Sequence[str]) -> frozenset[str]:
    """The keys of the words of a layout's fixed text."""
    return frozenset(key(word) for text in layout_text for word in text.split() if key(word))


def _distinctive(word: OriginalWord, fixed: frozenset[str]) -> bool:
    k = key(word.text)
    return any(c.isdigit() for c in k) or (len(k) >= 2 and k not in fixed)


def compare_page(
    page: ScanPage,
    original: OriginalPage,
    ink: InkProbe | None = None,
    thresholds: Thresholds | None = None,
    located: Homography | None = None,
    fixed: frozenset[str] = frozenset(),
) -> PageComparison:
    """The differences between one scanned page and the original page it shows; ``fixed``:
    the keys of the layout's fixed text (``fixed_keys``), not distinctive of a document."""
    to_original = located or locate(page, original)
    if to_original is None:
        return PageComparison(page.number, original.number, False, 0)
    t = thresholds or Thresholds()
    diff = _PageDiff(page, original, to_original.inverse(), ink, t)
    kept = [
        w for w in original.words
        if key(w.text) and not any(_inside(_centre(w.box), area) for area in original.excluded)
    ]  # fmt: skip
    lines: dict[int, list[OriginalWord]] = {}
    for word in kept:
        lines.setdefault(word.line, []).append(word)
    placed = []
    for read in page.words:
        if not key(read.text):
            continue
        spot = _Placed(read, to_original.box(read.box))
        if not _inside(spot.centre, (0, 0, original.width, original.height), -2.0):
            continue  # off the page: the desk under a photographed sheet
        if any(_inside(spot.centre, area, 3.0) for area in original.excluded):
            continue
        placed.append(spot)
    on_line, stray = _assign(lines, placed)
    for n in sorted(lines):
        diff.line(n, lines[n], on_line[n])
    diff.judge_unread()
    for spot in sorted(stray, key=lambda p: (p.centre[1], p.centre[0])):
        diff.added(spot, "")
    own = [w for w in kept if _distinctive(w, fixed)]
    distinctive = round(sum(w in diff.read for w in own) / max(1, len(own)), 3)
    coverage = round(diff.coverage(), 3)
    if len(own) >= t.distinctive_words and distinctive < t.min_distinctive:
        # the layout lines up, the document's own words do not: another result of the layout
        return PageComparison(page.number, 0, False, diff.compared, coverage=coverage,
                              distinctive=distinctive, other_document=True)  # fmt: skip
    return PageComparison(
        page.number, original.number, True, diff.compared,
        tuple(_merged(diff.changes)), tuple(_merged(diff.doubts)), diff.noise,
        coverage, distinctive,
    )  # fmt: skip


def _merged(changes: list[Change]) -> list[Change]:
    """Neighbouring added words on one row become one change (a line written in)."""
    out: list[Change] = []
    for change in changes:
        last = out[-1] if out else None
        if (
            last is not None
            and last.kind is ChangeKind.ADDED is change.kind
            and last.line == change.line
            and abs(_centre(last.region)[1] - _centre(change.region)[1])
            < 0.6 * (change.region[3] - change.region[1])
        ):
            region = _union([last.region, change.region])
            out[-1] = Change(
                last.kind, last.page, last.original_page, "", f"{last.printed} {change.printed}",
                region, last.line, last.reason, min(last.confidence, change.confidence),
            )  # fmt: skip
        else:
            out.append(change)
    return out


def compare_print(
    scans: Sequence[ScanPage],
    originals: Sequence[OriginalPage],
    ink: Sequence[InkProbe | None] | None = None,
    thresholds: Thresholds | None = None,
    layout_text: Sequence[str] = (),
) -> PrintComparison:
    """Each scanned page against the original page it shows: of the pages it aligns with, the
    one whose distinctive words it holds most. ``layout_text``: the text every document of the
    originals' layout prints (kyso's templates: ``onestop.templates.fixed``)."""
    t = thresholds or Thresholds()
    fixed = fixed_keys(layout_text)
    pages = []
    for n, scan in enumerate(scans):
        probe = ink[n] if ink is not None else None
        best: tuple[tuple[bool, float, int], PageComparison] | None = None
        for original in originals:
            located = locate(scan, original)
            if located is None:
                continue
            compared = compare_page(scan, original, probe, thresholds, located, fixed)
            score = (not compared.other_document, compared.distinctive, _shared(scan, original))
            if best is None or score > best[0]:
                best = (score, compared)
        pages.append(best[1] if best is not None else PageComparison(scan.number, 0, False, 0))
    shown = {p.original_page for p in pages}
    missing_pages = tuple(o.number for o in originals if o.number not in shown)
    if any(p.changes for p in pages):
        verdict = PrintVerdict.CHANGED
    elif not pages or any(not p.aligned or p.doubts or p.coverage < t.min_coverage for p in pages):
        verdict = PrintVerdict.INCONCLUSIVE
    else:
        verdict = PrintVerdict.MATCHES
    return PrintComparison(verdict, tuple(pages), missing_pages)


def _shared(scan: ScanPage, original: OriginalPage) -> int:
    a = [key(w.text) for w in original.words if key(w.text)]
    b = [key(w.text) for w in scan.words if key(w.text)]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())
