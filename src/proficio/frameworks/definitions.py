"""The definitions cache: what nearly every request reads and rarely changes (the framework
tree, scales, rubrics, mastery policies, the continuum's structure and settings, a
district's term targets), read once per request and kept between requests until a
definition changes.

How it stays true:

- One row, ``DefinitionStamp``, holds a random token. Every write to a definition model
  replaces it (a ``post_save``/``post_delete`` receiver, :func:`connect`; bulk writes call
  :func:`changed` themselves or run inside :func:`changing`), in the writer's transaction.
- A request reads the token once, at its first cached read (:class:`Middleware` opens the
  per-request memo), and every cached value is kept under the token it was read with. A
  value is loaded *after* the token is read, so it is never older than its token: a
  change commits its new token and its rows together.
- Each worker process keeps the values of the last token it saw; a request that reads
  another token starts afresh. So a change in one worker reaches every worker at their
  next request, with no message between them. A change that rolls back leaves a token
  nobody else reads (it is random, never reused).

Cached values are shared between requests: read them, never change or save them.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

# The models whose rows are definitions: a save or delete of one replaces the token.
WATCHED = (
    "frameworks.Framework",
    "frameworks.Item",
    "frameworks.Association",
    "frameworks.ProficiencyScale",
    "frameworks.ScaleLevel",
    "frameworks.PerformanceLevel",
    "frameworks.Rubric",
    "frameworks.RubricCriterion",
    "frameworks.RubricCriterionLevel",
    "frameworks.LevelStatement",
    "frameworks.Exemplar",
    "frameworks.HomeSupport",
    "mastery.MasteryPolicy",
    "mastery.PolicyVersion",
    "mastery.RollupRuleModel",
    "mastery.ContinuumSetting",
    "pace.PaceTarget",
)


@dataclass
class _Memo:
    token: str | None = None
    values: dict[Hashable, Any] = field(default_factory=dict)


_request: ContextVar[_Memo | None] = ContextVar("proficio_definitions", default=None)
_quiet: ContextVar[int] = ContextVar("proficio_definitions_quiet", default=0)
# The worker's values for the last token it saw, replaced as one tuple (thread-safe).
_shared: tuple[str | None, dict[Hashable, Any]] = (None, {})
_lock = threading.Lock()


def _read_token() -> str:
    from proficio.frameworks.models import DefinitionStamp

    token = DefinitionStamp.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or ""


def _token() -> str:
    memo = _request.get()
    if memo is None:
        return _read_token()
    if memo.token is None:
        memo.token = _read_token()
    return memo.token


def token_subquery() -> Any:
    """The token as a subquery, for a query the request runs anyway (the person's, in
    ``policy.load_person``) to carry: hand its value to :func:`offer_token`."""
    from django.db.models import Subquery

    from proficio.frameworks.models import DefinitionStamp

    return Subquery(DefinitionStamp.objects.filter(pk=1).values("token")[:1])


def offer_token(token: str | None) -> None:
    """The token, read by another of the request's queries (:func:`token_subquery`): the
    request's memo takes it if it has not read one yet, so its first cached read asks
    nothing more. The values are still loaded after it was read."""
    memo = _request.get()
    if memo is not None and memo.token is None:
        memo.token = token or ""


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value, read at most once per request and kept between requests until a
    definition changes. ``load`` must read only definitions (see :data:`WATCHED`)."""
    global _shared
    memo = _request.get()
    if memo is not None and memo.token is not None and key in memo.values:
        return memo.values[key]  # type: ignore[no-any-return]
    token = _token()
    shared_token, shared_values = _shared
    if shared_token == token and key in shared_values:
        value: T = shared_values[key]
    else:
        value = load()
        with _lock:
            if _shared[0] == token:
                _shared[1][key] = value
            else:
                _shared = (token, {key: value})
    if memo is not None:
        memo.values[key] = value
    return value


def cached_each(
    keys: list[Hashable], load: Callable[[list[Hashable]], dict[Hashable, Any]]
) -> dict[Hashable, Any]:
    """:func:`cached` for many keys at once: ``load(missing)`` reads the values of the
    keys not kept yet, together (one query for them all, not one each)."""
    memo = _request.get()
    found: dict[Hashable, Any] = {}
    if memo is not None and memo.token is not None:
        found = {k: memo.values[k] for k in keys if k in memo.values}
    missing = [k for k in keys if k not in found]
    if missing:
        token = _token()
        shared_token, shared_values = _shared
        if shared_token == token:
            found |= {k: shared_values[k] for k in missing if k in shared_values}
        missing = [k for k in keys if k not in found]
        loaded = load(missing) if missing else {}
        for k in missing:
            found[k] = cached(k, lambda k=k: loaded[k])  # type: ignore[misc]
        if memo is not None:
            memo.values.update(found)
    return found


def changed() -> None:
    """A definition changed (call it after the write, in the same transaction): a new token
    for everyone once the transaction commits, and the request's memo starts afresh."""
    from proficio.frameworks.models import DefinitionStamp

    token = uuid.uuid4().hex
    if not DefinitionStamp.objects.filter(pk=1).update(token=token):
        DefinitionStamp.objects.update_or_create(pk=1, defaults={"token": token})
    memo = _request.get()
    if memo is not None:
        memo.token = token
        memo.values = {}


@contextlib.contextmanager
def changing() -> Iterator[None]:
    """Many definition writes (an import): one new token before and one after, instead of
    one per saved row."""
    changed()
    level = _quiet.set(_quiet.get() + 1)
    try:
        yield
    finally:
        _quiet.reset(level)
    changed()


def _on_write(sender: Any, raw: bool = False, **_: Any) -> None:
    if raw or _quiet.get():
        return
    changed()


def connect() -> None:
    """Replace the token on every save or delete of a definition (``FrameworksConfig``)."""
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_on_write, sender=model, dispatch_uid=f"definitions-save-{label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"definitions-delete-{label}")


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """One memo for the block: the token is read once, each value at most once."""
    reset = _request.set(_Memo())
    try:
        yield
    finally:
        _request.reset(reset)


class Middleware:
    """Opens the per-request memo of the definitions cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)


# --- What is cached -------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """One framework's items and ``isChildOf`` links (with the items at the far end of a
    link that crosses into another framework)."""

    items: dict[Any, Any]  # id → Item (framework, its scale, the item's scale and level loaded)
    parent: dict[int, int]  # item id → its parent's id (the first link, as ``parent_of`` reads)
    children: dict[int, list[int]]  # item id → its live children's ids, by code then id


def tree(framework_id: int) -> Tree:
    """The framework's tree, from the cache (two queries when it is not there)."""
    return cached(("tree", framework_id), lambda: _load_tree(framework_id))


def _load_tree(framework_id: int) -> Tree:
    from django.db.models import Q

    from proficio.frameworks.models import Association, AssociationType, Item

    links = list(
        Association.objects.filter(
            Q(origin_item__framework_id=framework_id)
            | Q(destination_item__framework_id=framework_id),
            association_type=AssociationType.IS_CHILD_OF,
            origin_item__isnull=False,
            destination_item__isnull=False,
        ).values_list("origin_item_id", "destination_item_id")
    )  # in the model's order, as ``item.outgoing.first()`` reads them
    ends = {i for link in links for i in link}
    items = {
        i.pk: i
        for i in Item.objects.filter(Q(framework_id=framework_id) | Q(pk__in=ends))
        .select_related("framework__scale", "scale", "level")
        .order_by("human_coding_scheme", "pk")
    }
    parent: dict[int, int] = {}
    for origin, destination in links:
        parent.setdefault(origin, destination)
    linked_to: dict[int, set[int]] = {}
    for origin, destination in links:
        linked_to.setdefault(destination, set()).add(origin)
    children = {
        d: [pk for pk, i in items.items() if pk in origins and i.archived_at is None]
        for d, origins in linked_to.items()
    }
    return Tree(items=items, parent=parent, children=children)


def item(target: Any) -> Any:
    """The cached copy of ``target`` (an Item), with its framework and scales loaded."""
    return tree(target.framework_id).items.get(target.pk, target)


def items_by_identifier(identifiers: list[Any]) -> dict[Any, Any]:
    """The items with these CASE identifiers (UUIDs), as :func:`item` gives them; an
    identifier no item has is left out. Which item has which identifier is kept in the
    cache, so a request whose identifiers were asked before reads nothing."""

    def load(keys: list[Hashable]) -> dict[Hashable, Any]:
        from proficio.frameworks.models import Item

        wanted = [k[1] for k in keys]  # type: ignore[index]
        found = {
            i: (f, pk)
            for i, f, pk in Item.objects.filter(identifier__in=wanted).values_list(
                "identifier", "framework_id", "pk"
            )
        }
        return {k: found.get(k[1]) for k in keys}  # type: ignore[index]

    keys: list[Hashable] = [("identifier", i) for i in dict.fromkeys(identifiers)]
    places = cached_each(keys, load)
    return {
        k[1]: tree(place[0]).items[place[1]]  # type: ignore[index]
        for k, place in places.items()
        if place is not None
    }


def parent_of(target: Any) -> Any:
    """The item's parent in its framework's hierarchy, or None."""
    t = tree(target.framework_id)
    parent_id = t.parent.get(target.pk)
    return None if parent_id is None else t.items.get(parent_id)


def children_of(target: Any) -> list[Any]:
    """The item's live children, by code then id."""
    t = tree(target.framework_id)
    return [t.items[pk] for pk in t.children.get(target.pk, [])]


def criteria(rubric_id: int | None) -> list[Any]:
    """A rubric's criteria in order, each with its target (``item``), its levels
    (``levels.all()``), ``level_list`` (the scored levels, lowest first) and
    ``level_scores`` (their scores, as the scoring sheet's cells carry them)."""
    return cached(("criteria", rubric_id), lambda: _load_criteria(rubric_id))


def _load_criteria(rubric_id: int | None) -> list[Any]:
    from proficio.frameworks.models import RubricCriterion

    if rubric_id is None:  # no rubric, no criteria
        return []
    found = list(
        RubricCriterion.objects.filter(rubric_id=rubric_id)
        .select_related("item__framework__scale")
        .prefetch_related("levels")
        .order_by("position", "pk")
    )
    for c in found:
        c.level_list = sorted(  # type: ignore[attr-defined]
            (lv for lv in c.levels.all() if lv.score is not None), key=lambda lv: lv.score
        )
        c.level_scores = ",".join(f"{lv.score:g}" for lv in c.level_list)  # type: ignore[attr-defined]
    return found
