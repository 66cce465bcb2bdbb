"""The pure streaming core of one partition: the whole job, batch in, outputs out.

``PartitionJob.process`` takes a batch of ``(offset, Event)`` read from one partition
and returns what it produced; the wiring writes those outputs, the state snapshot and
the next offset in one transaction. No clock is read: processing time comes in as
``now``. ``flush`` ends a stream (watermark to +∞); the tests and the oracle use it.

Hot path: one pass per event, mutable structures owned by this object; the immutable
snapshot is taken at batch boundaries (``state.py``).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Final

from eventtide.processor.aggregates import WindowMetrics
from eventtide.processor.alerts import AlertRules
from eventtide.processor.attribution import Attributor
from eventtide.processor.config import CELL_DIMENSIONS, DIMENSIONS, UNREADABLE, ProcessorConfig
from eventtide.processor.features import FeatureHistory
from eventtide.processor.model import Event, Unreadable
from eventtide.processor.outputs import (
    LateEvent,
    Outputs,
    SessionResult,
    SessionRetraction,
    WindowResult,
)
from eventtide.processor.sessions import UserSessions
from eventtide.processor.watermark import NEVER, PartitionWatermark
from eventtide.processor.windows import window_starts

END_OF_TIME: Final = 2**62
EVENT, TIMER = 0, 1
EXPIRE_EVERY: Final = 60_000_000
DERIVED_CLOSE_DELAY: Final = 2_000_000
"""How far (event time, µs) the watermark must pass a derived window's end before the
window closes. A base window and the derived windows it ends close in different
batches, so the base window's final results do not wait for the derived windows' (tens
of thousands of rows on a 5-minute or hour boundary). No result changes: nothing can
enter a window once the watermark passed its end. See docs/processor.md."""

WindowGroup = tuple[int, int]
CellKey = tuple[int, str]
UNREADABLE_KEY: Final[CellKey] = (CELL_DIMENSIONS.index(UNREADABLE), "*")


class PartitionJob:
    """Windows, sessions, attribution, alerts and features for one partition."""

    def __init__(self, partition: int, config: ProcessorConfig) -> None:
        self.partition = partition
        self.config = config
        self.frontier = NEVER
        self.last_seen: int | None = None
        self.seen: dict[str, int] = {}
        self.final_ids: deque[tuple[int, str]] = deque()
        self.windows: dict[WindowGroup, dict[CellKey, WindowMetrics]] = {}
        self.shown: dict[WindowGroup, set[CellKey]] = {}
        """Windows whose result was emitted, with the keys changed since."""
        self.sessions: dict[str, UserSessions] = {}
        self.session_timers: list[tuple[int, str]] = []
        self.dirty_users: set[str] = set()
        self.retracted: dict[str, str] = {}
        self.pending: list[tuple[int, int, str, Event | None]] = []
        self.attributor = Attributor(config.attribution_window)
        self.alerts = AlertRules(config.alerts)
        self.features = FeatureHistory()
        self.expired_at = NEVER
        # what changed since the last checkpoint (checkpoint.py writes only these)
        self.dirty_windows: set[WindowGroup] = set()
        self.dirty_cells: dict[WindowGroup, set[CellKey]] = {}
        """The cells events or merges changed, per window (its delta row holds only those)."""
        self.closed_windows: set[WindowGroup] = set()
        self.unmerged: set[WindowGroup] = set()
        """Base windows closed (their final results out) but not yet merged into the
        derived windows (see ``_emit_windows``)."""
        self.merged_through = NEVER
        """The watermark of the last window emission less ``DERIVED_CLOSE_DELAY``: derived
        windows ending by then are closed, so a late merge must not bring them back."""
        self.touched_users: set[str] = set()
        self.dirty_conversions: set[tuple[int, str]] = set()
        self.pushed: list[tuple[int, int, str, Event | None]] = []
        self._plan_windows()

    def _plan_windows(self) -> None:
        """Pick the base window; the windows made of whole base windows are derived.

        Events update only the base and the other direct windows; a base window that
        closes is merged into the derived windows that contain it. With the defaults an
        event touches 5 window keys instead of 30.
        """
        specs = self.config.windows
        tumbling = [i for i, spec in enumerate(specs) if spec.hop == spec.size]
        base = min(tumbling, key=lambda i: specs[i].size) if tumbling else None
        size = specs[base].size if base is not None else 0
        self.base = base
        self.base_size = size
        self.derived = tuple(
            i
            for i, spec in enumerate(specs)
            if base is not None and i != base and spec.size % size == 0 and spec.hop % size == 0
        )
        self.direct = tuple(
            (i, spec, spec.size) for i, spec in enumerate(specs) if i not in self.derived
        )

    @property
    def watermark(self) -> int:
        """``frontier - allowed lateness`` (``NEVER`` before the first event)."""
        if self.frontier == NEVER:
            return NEVER
        return self.frontier - self.config.allowed_lateness

    def watermark_state(self) -> PartitionWatermark:
        """For the processor-wide ``WatermarkClock``."""
        return PartitionWatermark(self.frontier, self.last_seen)

    def process(self, batch: Sequence[tuple[int, Event | Unreadable]], now: int) -> Outputs:
        """Read one batch; return its outputs (see docs/processor.md for every rule)."""
        out = Outputs()
        if not batch:
            return out
        config = self.config
        lateness = config.allowed_lateness
        specs, derived, base, base_size = self.direct, self.derived, self.base, self.base_size
        derived_specs = tuple((d, config.windows[d]) for d in derived)
        seen, windows, shown, sessions = self.seen, self.windows, self.shown, self.sessions
        dirty_users = self.dirty_users
        pending, push = self.pending, heapq.heappush
        dirty_windows, dirty_cells, pushed = self.dirty_windows, self.dirty_cells, self.pushed
        frontier = self.frontier
        watermark = NEVER if frontier == NEVER else frontier - lateness
        gap, cap = config.session_gap, config.session_max
        late, retracted = out.late, self.retracted
        duplicates = 0
        every_dimension = config.dimensions == DIMENSIONS
        dims = tuple(DIMENSIONS.index(d) for d in config.dimensions)
        windows_only = config.windows_only
        for offset, event in batch:
            if isinstance(event, Unreadable):
                self._count_unreadable(frontier, event.at)
                continue
            ts, event_id = event.ts, event.event_id
            if event_id in seen:
                duplicates += 1
                continue
            if ts < watermark:
                late.append(LateEvent(self.partition, offset, event_id, ts, watermark))
                continue
            seen[event_id] = ts
            if ts > frontier:
                frontier = ts
                watermark = ts - lateness
            if every_dimension:
                keys: tuple[CellKey, ...] = (
                    (0, "*"),
                    (1, event.event_type),
                    (2, event.page),
                    (3, event.country),
                    (4, event.platform),
                )
            else:
                keys = tuple((i, "*" if i == 0 else getattr(event, DIMENSIONS[i])) for i in dims)
            user_id = event.user_id
            purchase = event.event_type == "purchase"
            amount = event.amount_cents
            for index, spec, size in specs:
                # tumbling windows inline; hopping ones through window_starts
                starts = (ts - ts % size,) if spec.hop == size else window_starts(ts, spec)
                for start in starts:
                    group = (index, start)
                    touched = dirty_cells.get(group)
                    if touched is None:
                        touched = dirty_cells[group] = set()
                        dirty_windows.add(group)
                    touched.update(keys)
                    cells = windows.get(group)
                    if cells is None:
                        cells = windows[group] = {}
                        if index == base:
                            for d, dspec in derived_specs:
                                for dstart in window_starts(start, dspec):
                                    windows.setdefault((d, dstart), {})
                    # WindowMetrics.add written out: the hot loop of the job
                    for key in keys:
                        metrics = cells.get(key)
                        if metrics is None:
                            metrics = cells[key] = WindowMetrics()
                        metrics.count += 1
                        metrics.users[user_id] = None
                        if purchase:
                            metrics.revenue += amount
                            metrics.orders += 1
                    changed = shown.get(group)
                    if changed is not None:  # a correction to a result already shown
                        changed.update(keys)
            if derived and ts // base_size != frontier // base_size:
                # behind the frontier's base window: a derived window may be shown already
                for d, dspec in derived_specs:
                    for dstart in window_starts(ts, dspec):
                        changed = shown.get((d, dstart))
                        if changed is not None:
                            changed.update(keys)
                            dirty_windows.add((d, dstart))
            if not windows_only:
                user = sessions.get(event.user_id)
                if user is None:
                    user = sessions[event.user_id] = UserSessions(gap, cap)
                gone = user.insert(event)
                for sid in gone:
                    retracted[sid] = event.user_id
                dirty_users.add(event.user_id)
            entry = (ts, EVENT, event_id, event)
            push(pending, entry)
            pushed.append(entry)
        out.duplicates = duplicates
        self.frontier = frontier
        self.last_seen = now
        self._advance(watermark, out)
        return out

    def _count_unreadable(self, frontier: int, at: int | None) -> None:
        """Count a record that was no event in the window of the partition's frontier.

        Its own times cannot be trusted (it may have none), and the frontier is where the
        stream stood when it came: the event time of its neighbours, on the clock every
        other series of the window is on, in a backfill as in a live stream. It depends
        only on the records before it, so a replay counts it in the same window. Before
        the partition's first event its Kafka timestamp stands in; with neither, it is
        not counted. The frontier's windows are not shown yet (they end after it), so no
        shown result needs correcting.
        """
        ts = at if frontier == NEVER else frontier
        if ts is None:
            return
        windows, derived, base = self.windows, self.derived, self.base
        for index, spec, size in self.direct:
            starts = (ts - ts % size,) if spec.hop == size else window_starts(ts, spec)
            for start in starts:
                group = (index, start)
                self.dirty_windows.add(group)
                self.dirty_cells.setdefault(group, set()).add(UNREADABLE_KEY)
                cells = windows.get(group)
                if cells is None:
                    cells = windows[group] = {}
                    if index == base:
                        for d in derived:
                            for dstart in window_starts(start, self.config.windows[d]):
                                windows.setdefault((d, dstart), {})
                metrics = cells.get(UNREADABLE_KEY)
                if metrics is None:
                    metrics = cells[UNREADABLE_KEY] = WindowMetrics()
                metrics.count += 1

    def flush(self) -> Outputs:
        """End of stream: every window, session, purchase and cart becomes final."""
        out = Outputs()
        self._advance(END_OF_TIME, out)
        self._merge_closed(END_OF_TIME)  # every derived window closed: this lets them go
        return out

    def _advance(self, watermark: int, out: Outputs) -> None:
        self._finalize(watermark, out)
        self._emit_windows(watermark, out)
        self._emit_sessions(watermark, out)
        conversions = self.attributor.take_conversions()
        out.conversions.extend(conversions)
        self.dirty_conversions.update((c.day, c.source) for c in conversions)
        if watermark - self.expired_at >= EXPIRE_EVERY:
            self.touched_users.update(self.alerts.expire(watermark))
            self.expired_at = watermark

    def _finalize(self, watermark: int, out: Outputs) -> None:
        """Feed the per-user rules every event (and cart timer) now before the watermark."""
        pending, pop, push = self.pending, heapq.heappop, heapq.heappush
        attributor, alerts, final_ids = self.attributor, self.alerts, self.final_ids
        touched = self.touched_users
        windows_only = self.config.windows_only
        cart_timeout = self.config.alerts.cart_timeout
        while pending and pending[0][0] < watermark:
            ts, _kind, key, event = pop(pending)
            if event is None:
                touched.add(key)
                raised, carts = alerts.cart_timer(key, ts)
            else:
                final_ids.append((ts, key))
                if windows_only:
                    continue  # kept only to forget its id after the dedupe horizon
                touched.add(event.user_id)
                out.attributions.extend(attributor.feed(event))
                raised, carts = alerts.feed(event)
                if event.event_type == "add_to_cart":
                    timer = (ts + cart_timeout, TIMER, event.user_id, None)
                    push(pending, timer)
                    self.pushed.append(timer)
            if raised:
                out.alerts.extend(raised)
            if carts:
                out.carts.extend(carts)
        horizon, seen = watermark - self.config.dedupe_horizon, self.seen
        while final_ids and final_ids[0][0] < horizon:
            del seen[final_ids.popleft()[1]]

    def _emit_windows(self, watermark: int, out: Outputs) -> None:
        """Show windows whose time is over, re-show corrected keys, close what is final.

        A base window that closes is merged into its derived windows later, once the
        watermark is half a base window past its end: the merge and the derived
        windows' checkpoint rows (every cell of the base window, megabytes at 10,000
        events/s) would otherwise sit in the batch that emits the base window's final
        results, between the watermark and those results, and one batch later they
        would sit in the batch where the next partition closes the same window. Until
        then it stays in ``windows`` (and in the checkpoint) as ``unmerged``; a derived
        window shown or closed meanwhile adds it like the base windows still open
        inside it.
        """
        specs, windows, derived = self.config.windows, self.windows, self.derived
        self._merge_closed(watermark)
        unmerged = self.unmerged
        closed: list[WindowGroup] = []
        for group, cells in windows.items():
            if (
                group[0] not in derived
                and group not in unmerged
                and self._emit(group, cells, watermark, out)
            ):
                closed.append(group)
        for group in closed:
            self.shown.pop(group, None)
            if group[0] == self.base and derived:
                unmerged.add(group)
                for d in derived:  # a restore may have left an empty one out
                    for dstart in window_starts(group[1], specs[d]):
                        windows.setdefault((d, dstart), {})
            else:
                del windows[group]
                self.closed_windows.add(group)
        closed = []
        base = -1 if self.base is None else self.base  # derived windows imply a base
        close_at = watermark - DERIVED_CLOSE_DELAY
        for group, cells in windows.items():
            if group[0] in derived:
                spec = specs[group[0]]
                end = group[1] + spec.size
                if self.frontier < end and watermark < end:
                    continue  # not due (``_emit`` would say so after gathering ``inside``)
                if close_at < end <= watermark:
                    continue  # over for good; closes once the watermark is past close_at
                inside = [
                    windows[(base, s)]
                    for s in range(group[1], group[1] + spec.size, self.base_size)
                    if (base, s) in windows
                ]
                if self._emit(group, cells, close_at, out, inside):
                    closed.append(group)
        self.closed_windows.update(closed)
        for group in closed:
            del windows[group]
            self.shown.pop(group, None)
        self.merged_through = close_at

    def _merge_closed(self, watermark: int) -> None:
        """Merge the closed base windows due by ``watermark`` into their derived windows."""
        due = watermark - self.base_size - self.base_size // 2
        for group in sorted(g for g in self.unmerged if g[1] <= due):
            self._merge_into_derived(group[1], self.windows.pop(group))
            self.closed_windows.add(group)
            self.unmerged.discard(group)

    def _merge_into_derived(self, start: int, cells: dict[CellKey, WindowMetrics]) -> None:
        for d in self.derived:
            spec = self.config.windows[d]
            for dstart in window_starts(start, spec):
                target = self.windows.get((d, dstart))
                if target is None:
                    if dstart + spec.size <= self.merged_through:
                        continue  # closed already, with this base window inside
                    target = self.windows[(d, dstart)] = {}
                self.dirty_windows.add((d, dstart))
                self.dirty_cells.setdefault((d, dstart), set()).update(cells)
                for key, m in cells.items():
                    t = target.get(key)
                    if t is None:
                        target[key] = WindowMetrics(m.count, dict(m.users), m.revenue, m.orders)
                    else:
                        t.count += m.count
                        t.users |= m.users
                        t.revenue += m.revenue
                        t.orders += m.orders

    def _emit(
        self,
        group: WindowGroup,
        cells: dict[CellKey, WindowMetrics],
        watermark: int,
        out: Outputs,
        inside: Sequence[dict[CellKey, WindowMetrics]] = (),
    ) -> bool:
        """Emit one window's due results; True when it closed."""
        index, start = group
        spec = self.config.windows[index]
        end = start + spec.size
        final = watermark >= end
        if self.frontier < end and not final:
            return False
        changed = self.shown.get(group)
        keys: Iterable[CellKey]
        if final:
            keys = set(cells).union(*inside) if inside else cells
        elif changed is None:
            keys = set(cells).union(*inside)
            self.shown[group] = set()
            self.dirty_windows.add(group)
        else:
            keys = sorted(changed)
            if changed:
                self.dirty_windows.add(group)
            changed.clear()
        append = out.windows.append
        # closing a window shown before: the keys unchanged since are stored already
        unchanged_since = changed if final and changed is not None else None
        for key in keys:
            metrics = cells.get(key) or WindowMetrics()
            extras = [extra for part in inside if (extra := part.get(key)) is not None]
            dim, value = key
            append(
                WindowResult(
                    self.partition,
                    spec.name,
                    start,
                    end,
                    CELL_DIMENSIONS[dim],
                    value,
                    metrics.result_with(extras) if extras else metrics.result(),
                    final,
                    unchanged_since is not None and key not in unchanged_since,
                )
            )
        return final

    def _emit_sessions(self, watermark: int, out: Outputs) -> None:
        """Retractions first, then closings (final rows, features), then changed rows.

        A retraction is only sent for an id that does not exist at the batch's end (a
        re-cut may bring an id back within one batch), so a table applying retractions
        before upserts ends in the right state.
        """
        sessions, timers = self.sessions, self.session_timers
        # not touched_users: a user's checkpoint row holds only final events (the
        # pending ones are in the pending segments), so an arrival does not change it
        for sid, user_id in sorted(self.retracted.items()):
            user = sessions.get(user_id)
            if user is None or all(acc.sid != sid for acc in user.sessions):
                out.retractions.append(SessionRetraction(sid, user_id))
        self.retracted.clear()
        push, pop = heapq.heappush, heapq.heappop
        for user_id in self.dirty_users:
            # scheduled before the timers run: a session that this batch both changed
            # and made due closes now, not one batch later (the last batch of a stream)
            found = sessions.get(user_id)
            next_deadline = None if found is None else found.deadline()
            if found is not None and next_deadline not in (None, found.scheduled):
                found.scheduled = next_deadline
                push(timers, (next_deadline, user_id))
        while timers and timers[0][0] < watermark:
            deadline, user_id = pop(timers)
            user = sessions.get(user_id)
            if user is None or user.scheduled != deadline:
                continue  # stale: the session grew or was re-cut since
            user.scheduled = None
            self.touched_users.add(user_id)
            for row in user.close(watermark):
                out.sessions.append(SessionResult(row, True))
                out.features.append(self.features.on_final(row))
            if not user.sessions:
                del sessions[user_id]
            else:
                self.dirty_users.add(user_id)  # to schedule its next session's closing
        for user_id in sorted(self.dirty_users):
            found = sessions.get(user_id)
            if found is None:
                continue
            out.sessions.extend(SessionResult(row, False) for row in found.rows())
            next_deadline = found.deadline()
            if next_deadline is not None and next_deadline != found.scheduled:
                found.scheduled = next_deadline
                push(timers, (next_deadline, user_id))
        self.dirty_users.clear()
        if watermark == END_OF_TIME:
            for user_id, user in list(sessions.items()):
                for row in user.close(watermark):
                    out.sessions.append(SessionResult(row, True))
                    out.features.append(self.features.on_final(row))
                del sessions[user_id]


def run(
    job: PartitionJob, batches: Iterable[Sequence[tuple[int, Event | Unreadable]]], now: int = 0
) -> Outputs:
    """Feed batches then flush, collecting every output (tests and the benchmark)."""
    total = Outputs()
    for batch in batches:
        _extend(total, job.process(batch, now))
    _extend(total, job.flush())
    return total


def _extend(total: Outputs, part: Outputs) -> None:
    total.windows.extend(part.windows)
    total.sessions.extend(part.sessions)
    total.retractions.extend(part.retractions)
    total.attributions.extend(part.attributions)
    total.conversions.extend(part.conversions)
    total.alerts.extend(part.alerts)
    total.carts.extend(part.carts)
    total.features.extend(part.features)
    total.late.extend(part.late)
    total.duplicates += part.duplicates
