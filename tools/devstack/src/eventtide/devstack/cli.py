"""``eventtide dev``: local infrastructure for developers, tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from eventtide.devstack.components import COMPONENTS, TOOLCHAINS
from eventtide.devstack.display import endpoints_table, export_lines
from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.errors import InfraError
from eventtide.devstack.observability import cli as observability_cli
from eventtide.devstack.stack import (
    alive,
    build,
    clear_state,
    client_environment,
    load_state,
    provide,
    running,
    save_state,
    shutdown,
)

console = Console(stderr=True)
ALL = ",".join(COMPONENTS)

OnlyOption = Annotated[
    str,
    typer.Option(
        "--only",
        help=f"Comma-separated components to use, out of: {', '.join(COMPONENTS)}.",
    ),
]


def parse_components(only: str) -> list[str]:
    """Validate ``--only`` so a typo gets a message naming the valid choices."""
    names = [part.strip() for part in only.split(",") if part.strip()]
    unknown = [name for name in names if name not in COMPONENTS]
    if unknown or not names:
        raise typer.BadParameter(
            f"unknown component(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(COMPONENTS)}, e.g. --only kafka,postgres",
            param_hint="--only",
        )
    return [name for name in COMPONENTS if name in names]


def parse_toolchains(names: list[str]) -> list[str]:
    """Validate toolchain names so a typo gets a message naming the valid choices."""
    unknown = [name for name in names if name not in TOOLCHAINS]
    if unknown:
        raise typer.BadParameter(
            f"unknown toolchain(s) {', '.join(unknown)}; choose from {', '.join(TOOLCHAINS)}",
            param_hint="TOOLCHAIN",
        )
    return [name for name in TOOLCHAINS if name in names]


def _fail(error: InfraError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}")
    return typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Attach the ``dev`` command group to the root CLI."""
    dev = typer.Typer(help="Developer tools: local infrastructure.", no_args_is_help=True)
    infra = typer.Typer(
        help="Real Kafka, PostgreSQL and Kubernetes on loopback ports.", no_args_is_help=True
    )
    dev.add_typer(infra, name="infra")
    app.add_typer(dev, name="dev")
    observability_cli.register(dev)

    @infra.command("build")
    def build_command(
        names: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="[TOOLCHAIN]...",
                help=f"Toolchains to build, out of: {', '.join(TOOLCHAINS)} (default: all).",
            ),
        ] = None,
    ) -> None:
        """Build or fetch toolchains into the cache (later runs reuse it)."""
        try:
            timings = build(parse_toolchains(names or list(TOOLCHAINS)))
        except InfraError as error:
            raise _fail(error) from error
        for name, seconds in timings.items():
            console.print(f"{name}: ready in {seconds:.1f}s")

    @infra.command("up")
    def up_command(only: OnlyOption = ALL) -> None:
        """Start the stack in the background; `dev infra down` stops it."""
        existing = load_state()
        if existing and all(alive(endpoint) for endpoint in existing.values()):
            console.print("the stack is already up:")
            console.print(endpoints_table(existing))
            typer.echo(export_lines(client_environment(existing)))
            return
        if existing:
            for endpoint in existing.values():
                shutdown(endpoint)
            clear_state()
        endpoints: dict[str, Endpoint] = {}
        try:
            names = parse_components(only)
            build(name for name in names)
            for name in names:
                endpoints[name] = provide(name, tied_to_parent=False)
        except InfraError as error:
            for endpoint in endpoints.values():
                shutdown(endpoint)
            raise _fail(error) from error
        save_state(endpoints)
        console.print(endpoints_table(endpoints))
        typer.echo(export_lines(client_environment(endpoints)))

    @infra.command("status")
    def status_command() -> None:
        """Show what `dev infra up` started and whether it still runs."""
        endpoints = load_state()
        if not endpoints:
            console.print("nothing is running; start it with: eventtide dev infra up")
            raise typer.Exit(code=3)
        states = _states(endpoints)
        console.print(endpoints_table(endpoints, status=states))
        typer.echo(export_lines(client_environment(endpoints)))
        if "DEAD" in states.values():
            raise typer.Exit(code=1)

    @infra.command("down")
    def down_command() -> None:
        """Stop everything `dev infra up` started and remove its data."""
        endpoints = load_state()
        for name, endpoint in endpoints.items():
            shutdown(endpoint)
            console.print(f"{name}: stopped")
        clear_state()
        if not endpoints:
            console.print("nothing was running")

    @infra.command(
        "exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )
    def exec_command(
        ctx: typer.Context,
        only: OnlyOption = ALL,
    ) -> None:
        """Run a command with the stack up and its addresses in the environment.

        Example: eventtide dev infra exec --only kafka -- python bench/producer/run.py
        """
        command = list(ctx.args)
        if not command:
            raise typer.BadParameter("give the command after --", param_hint="COMMAND")
        if shutil.which(command[0]) is None:  # before minutes of starting the stack, not after
            raise typer.BadParameter(
                f"{command[0]!r} is not a program on PATH; give the command after --",
                param_hint="COMMAND",
            )
        try:
            with running(parse_components(only)) as endpoints:
                env = {**os.environ, **client_environment(endpoints)}
                code = subprocess.call(command, env=env)
        except InfraError as error:
            raise _fail(error) from error
        raise typer.Exit(code=code)

    @dev.command("run")
    def run_command(
        events: Annotated[
            int | None, typer.Option(min=1, help="Stop once this many events are stored.")
        ] = None,
        rate: Annotated[float, typer.Option(min=1, help="Events per second produced.")] = 1_000.0,
    ) -> None:
        """Run the pipeline (Kafka, database, producer, consumer) with a live view."""
        from eventtide.devstack.pipeline import run_pipeline

        try:
            code = run_pipeline(events=events, rate=rate, console=console)
        except InfraError as error:
            raise _fail(error) from error
        raise typer.Exit(code=code)

    @dev.command("stack")
    def stack_command(only: OnlyOption = ALL) -> None:
        """Start the stack in the foreground and show it until Ctrl-C."""
        try:
            with running(parse_components(only)) as endpoints:
                _show_until_interrupted(endpoints)
        except InfraError as error:
            raise _fail(error) from error
        console.print("stopped; nothing is left running")


def _show_until_interrupted(endpoints: dict[str, Endpoint]) -> None:
    """Refresh the status table every second; SIGTERM ends it like Ctrl-C does."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    typer.echo(export_lines(client_environment(endpoints)))
    try:
        with Live(console=console, refresh_per_second=1) as live:
            while True:
                table = endpoints_table(endpoints, status=_states(endpoints))
                table.caption = f"up {time.monotonic() - started:.0f}s. Ctrl-C stops everything."
                live.update(table)
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass


def _states(endpoints: dict[str, Endpoint]) -> dict[str, str]:
    return {name: "running" if alive(ep) else "DEAD" for name, ep in endpoints.items()}
