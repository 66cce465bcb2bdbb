"""A small Dockerfile reader: enough to check our own Dockerfiles, no more.

Why not a full parser: our Dockerfiles use a handful of instructions in plain form
(no heredocs, no escape-directive changes), and the checks need instructions grouped
by build stage, which is ten lines on top of joining continuation lines.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    """One instruction: upper-case keyword, its flags (``--from=uv``) and arguments."""

    keyword: str
    flags: dict[str, str]
    args: str

    def words(self) -> list[str]:
        """Arguments split like a shell would, or the JSON array's items."""
        text = self.args.strip()
        if text.startswith("["):
            return re.findall(r'"((?:[^"\\]|\\.)*)"', text)
        return shlex.split(text)


@dataclass
class Stage:
    """A build stage: its base image, optional name and instructions."""

    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def of(self, keyword: str) -> list[Instruction]:
        """This stage's instructions with ``keyword``."""
        return [i for i in self.instructions if i.keyword == keyword]


def logical_lines(text: str) -> list[str]:
    """Lines with comments dropped and backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        lines.append((pending + stripped).strip())
        pending = ""
    if pending.strip():
        lines.append(pending.strip())
    return [line for line in lines if line]


def parse_instruction(line: str) -> Instruction:
    """``COPY --from=uv /uv /bin/`` -> Instruction("COPY", {"from": "uv"}, "/uv /bin/")."""
    keyword, _, rest = line.partition(" ")
    flags: dict[str, str] = {}
    rest = rest.strip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.strip()
    return Instruction(keyword.upper(), flags, rest)


def expand(line: str, values: dict[str, str]) -> str:
    """``${NAME}`` and ``$NAME`` of the build arguments replaced by their values."""
    for name, value in values.items():
        pattern = r"\$\{" + re.escape(name) + r"\}|\$" + re.escape(name) + r"\b"
        line = re.sub(pattern, value.replace("\\", "\\\\"), line)
    return line


def parse(text: str, build_args: dict[str, str] | None = None) -> list[Stage]:
    """The stages of a Dockerfile, in order, with build arguments substituted as the
    builder would (``ARG NAME=default`` unless ``build_args`` gives NAME)."""
    given = build_args or {}
    stages: list[Stage] = []
    for line in logical_lines(text):
        known: dict[str, str] = {}
        for stage_arg in stages[-1].of("ARG") if stages else []:
            arg, _, default = stage_arg.args.partition("=")
            known[arg] = given.get(arg, default)
        instruction = parse_instruction(expand(line, known))
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif not stages:
            if instruction.keyword != "ARG":
                raise ValueError(f"{instruction.keyword} before the first FROM")
        else:
            stages[-1].instructions.append(instruction)
    return stages


def parse_file(path: Path, build_args: dict[str, str] | None = None) -> list[Stage]:
    """:func:`parse` of a file."""
    return parse(path.read_text(), build_args)
