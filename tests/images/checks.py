"""The Dockerfile rules as functions returning problems, so the tests can show they bite."""

from __future__ import annotations

import re

from tests.images.dockerfile import Stage

PINNED = re.compile(
    r"^[\w./-]+:(\d+\.\d+\.\d+)[\w.-]*(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$"
)
SECRETISH = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL)", re.I)


def copied_sources(stage: Stage) -> list[str]:
    """Build-context paths that a stage copies (COPY --from copies are between stages)."""
    sources: list[str] = []
    for copy in stage.of("COPY") + stage.of("ADD"):
        if "from" not in copy.flags:
            sources.extend(copy.words()[:-1])
    return sources


def unpinned_bases(stages: list[Stage]) -> list[str]:
    """Base images not pinned to an exact version or a digest."""
    return [s.base for s in stages if not PINNED.search(s.base) or s.base.endswith(":latest")]


def user_problems(stages: list[Stage]) -> list[str]:
    """Why the final stage would not run as a numeric non-root user (empty when it does)."""
    runtime = stages[-1]
    users = runtime.of("USER")
    if not users:
        return ["the runtime stage sets no USER"]
    user, _, group = users[-1].args.strip().partition(":")
    problems = []
    if not user.isdigit() or int(user) == 0:
        problems.append(f"USER {user} is not a numeric non-root uid")
    if group and (not group.isdigit() or int(group) == 0):
        problems.append(f"group {group} is not a numeric non-root gid")
    later = [i for i in runtime.of("RUN") + runtime.of("COPY") if runtime.instructions.index(i)
             > runtime.instructions.index(users[-1])]  # fmt: skip
    if later:
        problems.append("RUN or COPY after the final USER")
    return problems


def secret_problems(stages: list[Stage]) -> list[str]:
    """Anything that would bake a secret into a layer or the image's metadata."""
    problems = []
    for stage in stages:
        for instruction in stage.of("ENV") + stage.of("ARG") + stage.of("LABEL"):
            if SECRETISH.search(instruction.args):
                problems.append(f"{instruction.keyword} {instruction.args}")
        for add in stage.of("ADD"):
            if re.search(r"https?://", add.args):
                problems.append(f"ADD of a URL: {add.args}")
        for source in copied_sources(stage):
            if re.search(r"(^|/)\.env|\.pem$|\.key$|id_rsa", source):
                problems.append(f"copies {source}")
        for run in stage.of("RUN"):
            if "secret" in run.flags.get("mount", ""):
                problems.append("RUN --mount=type=secret")
    return problems
