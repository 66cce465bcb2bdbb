"""Static checks of every service's Dockerfile: no engine builds images on this machine.

CI's image job builds them for real; these checks hold what a build cannot see: pinned
bases, a numeric non-root user, only the package and its workspace dependencies copied
in, a frozen uv sync, and no secrets baked into layers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from tests.images.checks import copied_sources, secret_problems, unpinned_bases, user_problems
from tests.images.dockerfile import Stage, parse, parse_file
from tests.images.images import (
    DASHBOARD_STAGE,
    REPO,
    SERVICES,
    Service,
    members,
    workspace_closure,
)

pytestmark = pytest.mark.unit

IDS = [service.command for service in SERVICES]


def stages(service: Service) -> list[Stage]:
    """The one Dockerfile as the builder sees it with this service's build arguments."""
    return parse_file(service.dockerfile, service.build_args)


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_is_multi_stage_with_pinned_bases(service: Service) -> None:
    found = stages(service)
    assert len(found) >= 2, "a build stage and a runtime stage"
    assert unpinned_bases(found) == []


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_runtime_runs_as_a_numeric_non_root_user(service: Service) -> None:
    found = stages(service)
    assert user_problems(found) == []
    assert found[-1].instructions[-1].keyword in {"CMD", "ENTRYPOINT"}


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_runs_the_component_subcommand(service: Service) -> None:
    """The image runs ``eventtide``; the chart passes the component's subcommand."""
    runtime = stages(service)[-1]
    assert runtime.of("ENTRYPOINT")[-1].words() == ["eventtide"]
    values = yaml.safe_load((REPO / "charts" / "eventtide" / "values.yaml").read_text())
    assert values["components"][service.name]["args"][0] == service.command


def test_one_dockerfile_builds_every_service() -> None:
    assert {service.dockerfile for service in SERVICES} == {REPO / "Dockerfile"}
    assert sorted(REPO.glob("*/Dockerfile")) + sorted(REPO.glob("services/*/Dockerfile")) == []


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_build_syncs_the_locked_package_without_dev_dependencies(service: Service) -> None:
    build = stages(service)[-2]
    syncs = [run.args for run in build.of("RUN") if "uv sync" in run.args]
    assert syncs, "the build stage installs with uv sync"
    for command in syncs:
        words = command.split()
        assert "--frozen" in words, command
        assert "--no-dev" in words, command
        assert words[words.index("--package") + 1] == service.package, command
    assert "--no-editable" in syncs[-1].split(), "the runtime needs no source tree"
    runtime = stages(service)[-1]
    assert not copied_sources(runtime), "the runtime stage copies only from the build stage"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_copies_only_the_package_and_its_workspace_dependencies(service: Service) -> None:
    folders = members()
    allowed_trees = {folders[name] for name in workspace_closure(service.package)}
    allowed_files = {"pyproject.toml", "uv.lock"} | {
        f"{f}/pyproject.toml" for f in folders.values()
    }
    for stage in stages(service):
        if stage.name == DASHBOARD_STAGE:
            continue  # its two npm files: test_dashboard_stage.py
        for source in copied_sources(stage):
            path = source.rstrip("/")
            assert path in allowed_files or path in allowed_trees, (
                f"{service.folder} copies {source}"
            )
            assert (REPO / path).exists(), f"{source} does not exist in the build context"
    copied = {s.rstrip("/") for stage in stages(service) for s in copied_sources(stage)}
    assert allowed_trees <= copied, "every workspace dependency's sources are copied"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_no_secrets_in_the_image(service: Service) -> None:
    assert secret_problems(stages(service)) == []


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {"**/.venv", ".git", ".env*", "*.env"} <= ignored


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('FROM python:3.11-slim\nUSER 10001\nCMD ["x"]\n', unpinned_bases),
        ("FROM python:latest@sha256:zz\nUSER 10001\n", unpinned_bases),
        ('FROM a:1.2.3 AS b\nFROM a:1.2.3\nUSER app\nCMD ["x"]\n', user_problems),
        ("FROM a:1.2.3 AS b\nFROM a:1.2.3\nUSER 0:0\n", user_problems),
        ("FROM a:1.2.3\nUSER 10001\nRUN touch /x\n", user_problems),
        ('FROM a:1.2.3 AS b\nFROM a:1.2.3\nCMD ["x"]\n', user_problems),
        ("FROM a:1.2.3\nENV DB_PASSWORD=hunter2\n", secret_problems),
        ("FROM a:1.2.3\nCOPY .env /app/\n", secret_problems),
        ("FROM a:1.2.3\nADD https://example.org/x.tgz /x\n", secret_problems),
    ],
)
def test_the_checks_catch_bad_dockerfiles(
    text: str, rule: Callable[[list[Stage]], list[str]]
) -> None:
    """The rules above can fail: each broken Dockerfile trips its rule."""
    assert rule(parse(text)) != []


def test_parser_joins_continuations_and_reads_flags() -> None:
    text = (
        "# c\nFROM a:1.0.0 AS build\nRUN --mount=type=cache,target=/x \\\n uv sync \\\n --frozen\n"
    )
    (stage,) = parse(text)
    (run,) = stage.of("RUN")
    assert stage.name == "build"
    assert run.flags == {"mount": "type=cache,target=/x"}
    assert run.args == "uv sync --frozen"
