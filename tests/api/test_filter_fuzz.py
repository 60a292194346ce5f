"""The filter parser over arbitrary text (hypothesis): it compiles to SQL that runs, or refuses with
INVALID_ARGUMENT naming the problem; nothing else can escape it, so no filter is ever a 500.
Text is drawn from the language's own tokens and from any characters at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from api.errors import InvalidArgument
from api.filter import parse_filter
from api.settings import Settings
from api.store.db import make_engine, upgrade_schema
from api.store.models import Job

TOKENS = ["state", "jobId", "labels.team", "createTime", "trainingInput.scaleTier", "errorMessage", "=", "!=",
          ":", "~", "!~", "<", ">=", "AND", "OR", "NOT", "-", "(", ")", '"', "'", "QUEUED", "census_*",
          "2018-01-01T00:00:00Z", "2018-13-45", "\\", "*", " ", "1e400", "[a-", "ünï", "\x00"]  # fmt: skip
filters = st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join) | st.text(max_size=40)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    built = make_engine(Settings(data_dir=tmp_path_factory.mktemp("filters")))
    upgrade_schema(built)
    yield built
    built.dispose()


def test_an_empty_filter_selects_everything() -> None:
    assert parse_filter("  ") is None


@settings(max_examples=400, deadline=None, database=None)
@given(text=filters)
def test_any_text_compiles_to_sql_that_runs_or_is_an_invalid_argument(engine: Engine, text: str) -> None:
    try:
        condition = parse_filter(text)
    except InvalidArgument as refusal:
        assert refusal.message.startswith("filter: "), refusal.message  # every refusal names the parameter
        return
    with engine.connect() as connection:
        connection.execute(select(Job.id).where(True if condition is None else condition)).all()
