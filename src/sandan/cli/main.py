"""`sandan` command line: parse arguments, call capability functions, render with rich.

Errors a user can cause are shown as a one-line message in Korean and English, never a traceback.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from sandan import __version__
from sandan.domain import (
    Company,
    InvalidInput,
    NotFound,
    ProcessFamily,
    Role,
    SandanError,
    StoreUnavailable,
)
from sandan.settings import Settings, load_settings
from sandan.store import Store, open_store


class _Commands(TyperGroup):
    """The top-level command group: a user error raised anywhere below it — in a command, or reading the settings
    before a command's own error handling begins (SANDAN_PORT=abc, a missing SANDAN_CONFIG file) — is shown by
    `_fail`, never as a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SandanError as exc:
            _fail(exc)
        except click.UsageError as exc:  # Click's own words are English: the Korean reader gets the way on
            exc.message = (
                f"{exc.message}\n사용법이 맞지 않습니다: 쓸 수 있는 옵션과 값은 `sandan {ctx.invoked_subcommand or ''} "
                "--help`에서 확인하세요"
            )
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:  # a file or folder a command was given: missing, a folder, not writable…
            _fail(_file_problem(exc))
        except UnicodeDecodeError as exc:
            _fail(
                SandanError(
                    f"a file given is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 (Excel: "
                    "'CSV UTF-8'; an editor: UTF-8 encoding)",
                    f"주어진 파일이 UTF-8 텍스트가 아닙니다 ({exc.start}번째 바이트). UTF-8로 저장하세요 (엑셀: "
                    "'CSV UTF-8', 편집기: UTF-8 인코딩)",
                    code="not_utf8",
                )
            )
        except Exception as exc:  # a bug of sandan's: said in a line, the traceback only when asked for
            if os.environ.get("SANDAN_DEBUG"):
                raise
            _fail(
                SandanError(
                    f"unexpected error ({type(exc).__name__}: {exc}); this is a fault in sandan, not in what you "
                    "typed — please report it with the command (SANDAN_DEBUG=1 shows the details)",
                    f"예상하지 못한 오류입니다 ({type(exc).__name__}: {exc}). 입력이 아니라 sandan의 결함입니다. "
                    "실행한 명령과 함께 알려 주세요 (SANDAN_DEBUG=1이면 자세한 내용이 나옵니다)",
                    code="unexpected",
                )
            )


#: The longest history a command reads, in days (ten years): --days inf or nan overflowed the date arithmetic.
MAX_DAYS = 3650


def _check_days(days: float) -> None:
    if not 0 < days <= MAX_DAYS:
        raise InvalidInput(
            f"--days must be more than 0 and at most {MAX_DAYS:,} (ten years), got {days:g}",
            f"--days는 0보다 크고 {MAX_DAYS:,}(10년) 이하여야 합니다. 입력: {days:g}",
            code="bad_days",
        )


def _ask_password(user_id: str) -> str:
    """The password typed at the terminal; without one (a script, a pipe) --password is asked for in words (the
    prompt ended in a bare 'Aborted.')."""
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"give {user_id}'s password with --password: there is no terminal to type it on",
            f"{user_id}의 비밀번호를 --password로 주세요. 입력할 터미널이 없습니다",
            code="password_needed",
        )
    return getpass.getpass(f"password for {user_id} / {user_id} 비밀번호: ")


def _file_problem(exc: OSError) -> SandanError:
    """An OSError from a path a command was given, in words: which path, what is wrong with it, what to do."""
    path = exc.filename if exc.filename is not None else ""
    kinds = {
        FileNotFoundError: (
            "does not exist (or its folder does not)",
            "이(가) 없습니다 (폴더가 있는지 확인하세요)",
        ),
        IsADirectoryError: (
            "is a folder; give a file name in it",
            "은(는) 폴더입니다. 그 안의 파일 이름을 주세요",
        ),
        NotADirectoryError: (
            "goes through a file as if it were a folder",
            "의 경로 중간에 폴더가 아닌 파일이 있습니다",
        ),
        PermissionError: ("cannot be used: permission denied", "을(를) 쓸 권한이 없습니다"),
        FileExistsError: (
            "exists already (a file where a folder is needed, or one not to be overwritten)",
            "이(가) 이미 있습니다 (폴더가 필요한 자리에 파일이 있거나, 덮어쓰지 않을 파일입니다)",
        ),
    }
    en, ko = next(
        (words for kind, words in kinds.items() if isinstance(exc, kind)),
        (f"cannot be used: {exc.strerror or exc}", f"을(를) 쓸 수 없습니다: {exc.strerror or exc}"),
    )
    return SandanError(f"{path} {en}", f"{path}{ko}", code="file_problem", file=str(path) or None)


app = typer.Typer(
    cls=_Commands,
    help="sandan (산단) — data, AI and digital twins for the factories of an industrial complex.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Manage users. 사용자 관리.", no_args_is_help=True)
app.add_typer(user_app, name="user")
company_app = typer.Typer(
    help="Companies: add one, its shift calendar and code tables, take its data out, erase it. 기업: 추가, 근무 달력과 코드표, 데이터 내려받기, 삭제.",
    no_args_is_help=True,
)
app.add_typer(company_app, name="company")
console = Console()
err = Console(stderr=True)


#: How many of an error's problems (`where["errors"]`) are listed; the rest are counted.
SHOWN_PROBLEMS = 20
#: The words for the places an error's `where` names (its other keys are shown as they are).
_WHERE_WORDS = {
    "file": ("file", "파일"),
    "line": ("line", "줄"),
    "row": ("row", "행"),
    "column": ("column", "열"),
    "sheet": ("sheet", "시트"),
    "field": ("field", "항목"),
}


def _problems(exc: SandanError) -> list[dict]:
    """The problems an error lists one by one (`where["errors"]`: each with `en`, `ko` and where it is, as
    `label` or `field`), [] when it has none."""
    found = exc.where.get("errors")
    if not isinstance(found, list):
        return []
    return [p for p in found if isinstance(p, dict) and "en" in p and "ko" in p]


def _show(exc: SandanError) -> None:
    """Print a user error in English and Korean; where it has several problems (a line model's, an order sheet's),
    every one on its own lines. Messages name fields like stations[cut] and quote YAML ([a, b]): they are printed
    as plain text, never read as console markup."""
    problems = _problems(exc)
    if len(problems) > 1:
        n = len(problems)
        err.print(f"[bold red]✗[/] {n} problems / 문제 {n}개:")
        for p in problems[:SHOWN_PROBLEMS]:
            place = str(p.get("label") or p.get("field") or "")
            place_ko = str(p.get("label_ko") or place)
            en, ko = (f"{place}: {p['en']}", f"{place_ko}: {p['ko']}") if place else (p["en"], p["ko"])
            err.print(f"  • {escape(en)}\n    {escape(ko)}")
        if n > SHOWN_PROBLEMS:
            err.print(f"  … {n - SHOWN_PROBLEMS} more / 그 밖에 {n - SHOWN_PROBLEMS}개")
    else:
        err.print(f"[bold red]✗[/] {escape(exc.en)}\n  {escape(exc.ko)}")
    # where the first problem is, once every problem has said where it is, would only repeat it
    said = ("errors", "field", "row", "sheet", "line") if len(problems) > 1 else ("errors",)
    where = {k: v for k, v in exc.where.items() if k not in said}
    if where:
        en = ", ".join(f"{_WHERE_WORDS.get(k, (k, k))[0]} {v}" for k, v in where.items())
        ko = ", ".join(f"{_WHERE_WORDS.get(k, (k, k))[1]} {v}" for k, v in where.items())
        err.print("  " + escape(f"({en} / {ko})"))


def _fail(exc: SandanError) -> None:
    """Print a user error and exit 2."""
    _show(exc)
    raise typer.Exit(2)


def _open(settings: Settings) -> Store:
    settings.ensure_data_dir()
    return open_store(settings.resolved_store_url)


def run() -> None:
    """Entry point that turns user errors into messages (`_Commands` shows those of the commands; this catches any
    raised outside them). Outside `app()` a `typer.Exit` would escape as a traceback, so this exits directly."""
    try:
        app()
    except SandanError as exc:  # pragma: no cover - the command group shows them first
        _show(exc)
        sys.exit(2)


def _print_version(value: bool) -> None:
    if value:
        console.print(f"sandan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Show the version and exit. 버전을 봅니다.",
        ),
    ] = False,
) -> None:
    pass


@app.command()
def init(
    operator: Annotated[str, typer.Option(help="Operator user id to create. 만들 운영자 아이디.")] = "admin",
    password: Annotated[str | None, typer.Option(help="Operator password (asked when omitted).")] = None,
) -> None:
    """Create the data folder, the database schema and the platform operator. 초기 설정."""
    settings = load_settings()
    try:
        with _open(settings) as store:
            version = store.schema_version()
            console.print(f"✓ store {settings.resolved_store_url} (schema v{version})")
            if any(u.id == operator for u in store.cross_tenant_users("operator")):
                console.print(f"✓ operator {operator!r} exists")
                return
            if password is None:
                password = _ask_password(operator)
            from sandan.accounts import create_user

            create_user(store, operator, password, Role.operator, None, name="Platform operator")
            console.print(f"✓ operator {operator!r} created / 운영자 계정을 만들었습니다")
    except SandanError as exc:
        _fail(exc)


@app.command()
def backup(
    target: Annotated[
        Path | None,
        typer.Argument(
            help="Archive file or folder (default: the data folder's backups/). 백업 파일 또는 폴더."
        ),
    ] = None,
    files_only: Annotated[
        bool,
        typer.Option("--files-only", help="Only the data folder, not the database. 데이터 폴더만."),
    ] = False,
) -> None:
    """Back up the database and the data folder into one archive. 데이터베이스와 데이터 폴더를 백업합니다.

    A PostgreSQL store's tables are read from one snapshot while it goes on working; the archive restores into
    either store. With the embedded DuckDB store, stop `sandan serve` first (the database file is open to one
    process at a time), or back up from the running server: the operator's Backups page, or POST /api/v1/backups.
    """
    from sandan.store.backup import backup_folder, cross_tenant_backup

    settings = load_settings()
    data_dir = settings.ensure_data_dir()
    where = target or backup_folder(data_dir)
    if files_only:
        path, manifest = cross_tenant_backup(None, data_dir, where, version=__version__)
    else:
        try:
            store = _open(settings)
        except StoreUnavailable as exc:  # the server has the DuckDB file: it can back itself up
            raise StoreUnavailable(
                f"{exc.en}. A running server backs itself up: the operator's Backups page, or POST /api/v1/backups",
                f"{exc.ko}. 실행 중인 서버는 스스로 백업합니다: 운영자의 백업 화면 또는 POST /api/v1/backups",
            ) from exc
        with store:
            path, manifest = cross_tenant_backup(store, data_dir, where, version=__version__)
    rows = sum(manifest.tables.values())
    console.print(
        f"✓ {escape(str(path))}: {len(manifest.tables)} tables, {rows:,} rows (schema v{manifest.schema_version}); "
        f"{manifest.files} files of the data folder / 테이블 {len(manifest.tables)}개, {rows:,}행, 파일 {manifest.files}개"
        if not files_only
        else f"✓ {escape(str(path))}: {manifest.files} files of the data folder / 데이터 폴더 파일 {manifest.files}개"
    )


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive `sandan backup` wrote. 백업 파일.")],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Empty folder to restore into (default: SANDAN_DATA_DIR). 복원할 빈 폴더."
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only prove it restores (into a scratch folder, then deleted). 복원되는지만 확인."
        ),
    ] = False,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Restore the database into this PostgreSQL store (an empty database or schema) instead of a DuckDB "
            "file: how a complex moves to PostgreSQL. 데이터베이스를 이 PostgreSQL 저장소로 복원합니다.",
        ),
    ] = None,
) -> None:
    """Restore a backup into an empty data folder, checking every table's rows. 백업을 빈 데이터 폴더에 복원합니다.

    With --store postgresql://… the database goes into PostgreSQL (every table copied and counted); then run the
    server with SANDAN_STORE_URL set to that URL and SANDAN_DATA_DIR to the folder.
    """
    from sandan.store.backup import check_backup, restore_instance

    if check:
        manifest, version = check_backup(archive)
        rows = sum(manifest.tables.values())
        console.print(
            f"✓ {escape(str(archive))} restores: {len(manifest.tables)} tables, {rows:,} rows match, "
            f"{manifest.files} files"
            + (f", schema v{manifest.schema_version} → v{version}" if version is not None else "")
            + f" / 복원 확인: 테이블 {len(manifest.tables)}개, {rows:,}행 일치, 파일 {manifest.files}개"
        )
        return
    target = data_dir or load_settings().data_dir
    manifest, version = restore_instance(archive, target, store_url=store_url)
    if version is not None:
        rows = sum(manifest.tables.values())
        where = f"PostgreSQL and {escape(str(target))}" if store_url else escape(str(target))
        schema = (
            f"PostgreSQL schema v{version}"
            if store_url
            else f"schema v{manifest.schema_version} → v{version}"
        )
        console.print(
            f"✓ restored {manifest.created_at} into {where}: {len(manifest.tables)} tables, {rows:,} "
            f"rows checked ({schema}), {manifest.files} files / "
            f"복원했습니다: 테이블 {len(manifest.tables)}개, {rows:,}행 확인, 파일 {manifest.files}개"
        )
        if store_url:
            console.print(
                "  Run it with SANDAN_STORE_URL=<that URL> and SANDAN_DATA_DIR=<that folder> / 실행할 때 "
                "SANDAN_STORE_URL을 그 URL로, SANDAN_DATA_DIR을 그 폴더로 지정하세요"
            )
    else:
        console.print(
            f"✓ restored the data folder ({manifest.files} files) into {escape(str(target))}; the archive holds no "
            "database (it was made with --files-only) / 데이터 폴더를 복원했습니다. 데이터베이스는 들어 있지 "
            "않습니다 (--files-only로 만든 백업)"
        )


@user_app.command("add")
def user_add(
    user_id: Annotated[str, typer.Argument(help="Login id. 로그인 아이디.")],
    role: Annotated[Role, typer.Option(help="operator | company_admin | engineer | viewer")] = Role.engineer,
    company: Annotated[str | None, typer.Option(help="Company id (not for operators). 회사 아이디.")] = None,
    name: Annotated[str, typer.Option(help="Display name. 이름.")] = "",
    password: Annotated[str | None, typer.Option(help="Password (asked when omitted).")] = None,
    create_company: Annotated[
        str | None, typer.Option("--create-company", help="Create the company with this name first.")
    ] = None,
    own_password: Annotated[
        bool,
        typer.Option(
            "--own-password",
            help="The holder typed the password: no change at the first sign-in (by default they must choose "
            "their own). 본인이 직접 입력한 비밀번호.",
        ),
    ] = False,
) -> None:
    """Add a user, who chooses their own password at the first sign-in. 사용자를 추가합니다 (첫 로그인 때 본인
    비밀번호로 바꿉니다)."""
    from pydantic import ValidationError

    from sandan.accounts import create_user, hash_password
    from sandan.domain.errors import invalid_input_from

    settings = load_settings()
    try:
        with _open(settings) as store:
            if create_company and company:
                existing = store.get_company(company)
                # another name for a company that exists renamed it and reset its family
                if existing is not None and existing.name != create_company:
                    raise InvalidInput(
                        f"company {company!r} is registered already, as {existing.name!r}: leave out "
                        "--create-company to add the user to it",
                        f"회사 {company!r}은(는) 이미 {existing.name!r}(으)로 등록되어 있습니다. 이 회사에 사용자를 "
                        "더하려면 --create-company를 빼세요",
                        code="company_exists",
                    )
                try:
                    new_company = None if existing else Company(id=company, name=create_company)
                except ValidationError as exc:
                    raise invalid_input_from(exc) from None
            if password is None:
                password = _ask_password(user_id)
            if create_company and company and new_company is not None:
                hash_password(password)  # a password refused leaves no company behind
                store.upsert_company(new_company)
            user = create_user(
                store, user_id, password, role, company, name=name, must_change=not own_password
            )
            console.print(f"✓ user {user.id!r} ({user.role.value}) created / 사용자를 만들었습니다")
            if user.must_change_password:
                console.print(
                    "  they choose their own password at the first sign-in / 첫 로그인 때 본인 비밀번호로 바꿉니다"
                )
    except SandanError as exc:
        _fail(exc)
    except ValueError as exc:
        err.print(f"[bold red]✗[/] {exc}")
        raise typer.Exit(2) from exc


def _set_active(user_id: str, active: bool) -> None:
    from sandan.accounts import set_active

    settings = load_settings()
    try:
        with _open(settings) as store:
            found = store.user_for_login(user_id)
            if found is None:
                raise NotFound(
                    f"there is no user {user_id!r}", f"사용자 {user_id!r}이(가) 없습니다", code="unknown_user"
                )
            set_active(store, None, found[0].company_id, user_id, active)
        if active:
            console.print(f"✓ {user_id} can sign in again / 다시 로그인할 수 있습니다")
        else:
            console.print(
                f"✓ {user_id} is stopped and signed out everywhere / 사용 중지, 모든 곳에서 로그아웃"
            )
    except SandanError as exc:
        _fail(exc)


@user_app.command("list")
def user_list(
    company: Annotated[str | None, typer.Option(help="Only this company's. 이 회사만.")] = None,
) -> None:
    """List the accounts: operators first, then by company. 계정 목록."""
    from rich.table import Table

    from sandan.accounts import cross_tenant_accounts

    settings = load_settings()
    with _open(settings) as store:
        if company is not None:
            _company_or_fail(store, company)
        users = [u for u in cross_tenant_accounts(store, None) if company is None or u.company_id == company]
    table = Table("id / 아이디", "name / 이름", "company / 회사", "role / 역할", "sign-in / 로그인")
    for u in users:
        table.add_row(
            u.id,
            u.name,
            u.company_id or "(platform / 플랫폼)",
            u.role.value,
            "allowed / 가능" if u.active else "[red]stopped / 사용 중지[/]",
        )
    console.print(table)


@user_app.command("stop")
def user_stop(user_id: Annotated[str, typer.Argument(help="Login id. 로그인 아이디.")]) -> None:
    """Stop an account (someone left): it cannot sign in, and its sessions and API tokens end. 계정 사용 중지."""
    _set_active(user_id, False)


@user_app.command("restore")
def user_restore(user_id: Annotated[str, typer.Argument(help="Login id. 로그인 아이디.")]) -> None:
    """Let a stopped account sign in again. 사용 중지된 계정을 다시 사용합니다."""
    _set_active(user_id, True)


def _text_file(path: Path) -> str:
    """A small text file as Excel or an editor saved it: UTF-8 (with or without BOM) or CP949."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", f"{path}을(를) 읽을 수 없습니다: {exc}") from exc
    from sandan.domain.text import excel_text

    return excel_text(raw, str(path))


def _company_or_fail(store: Store, company: str) -> None:
    """Refuse a company id that is not registered in this store (exit 2), before a command reads or writes for it."""
    if store.get_company(company) is None:
        raise NotFound(
            f"company {company!r} not found: no company with this id is registered here "
            "(`sandan company add` registers one)",
            f"회사 {company!r}을(를) 찾을 수 없습니다: 이 아이디로 등록된 회사가 없습니다(`sandan company add`로 등록하세요)",
            code="unknown_company",
        )


def _company_setting(company: str, file: Path | None, show, read, save, saved) -> None:
    """Show a company's setting (no file) or read `file`, save it and say what was saved; user errors exit 2."""
    settings = load_settings()
    try:
        with _open(settings) as store:
            _company_or_fail(store, company)
        if file is None:
            console.print(show(settings.data_dir, company).to_yaml(), markup=False, end="")
            return
        value = read(_text_file(file), file.name)
        path = save(settings.data_dir, company, value)
    except SandanError as exc:
        _fail(exc)
    console.print(f"✓ {saved(value)} saved to {path} / 저장했습니다", soft_wrap=True)


@company_app.command("add")
def company_add(
    company_id: Annotated[str, typer.Argument(help="Company id, e.g. daesung-plastics. 회사 아이디.")],
    name: Annotated[str, typer.Option(help="Company name. 회사 이름.")],
    family: Annotated[
        ProcessFamily, typer.Option(help="Main process family. 주 공정.")
    ] = ProcessFamily.other,
    region: Annotated[str, typer.Option(help="Region. 지역.")] = "",
) -> None:
    """Register a member company (its sites, lines and machines are added on its page or through the API).
    입주 기업을 등록합니다."""
    from sandan.collect.assets import register_company

    settings = load_settings()
    try:
        with _open(settings) as store:
            company = register_company(store, None, company_id, name, family.value, region)
    except SandanError as exc:
        _fail(exc)
    console.print(f"✓ company {company.id!r} registered / 회사를 등록했습니다")


@company_app.command("calendar")
def company_calendar_cmd(
    company: Annotated[str, typer.Argument(help="Company id. 회사 아이디.")],
    file: Annotated[
        Path | None, typer.Argument(help="YAML calendar to set (omit to show). 달력 YAML.")
    ] = None,
) -> None:
    """Show or set the company's shift calendar (its OEE's planned time). 근무 달력 보기/설정."""
    from sandan.monitor.calendar import ShiftCalendar, company_calendar, save_company_calendar

    _company_setting(
        company,
        file,
        company_calendar,
        lambda text, _name: ShiftCalendar.from_yaml(text),
        save_company_calendar,
        lambda calendar: f"shift calendar with {len(calendar.shifts)} shift(s)",
    )


@company_app.command("codes")
def company_codes_cmd(
    company: Annotated[str, typer.Argument(help="Company id. 회사 아이디.")],
    file: Annotated[
        Path | None,
        typer.Argument(help="YAML, or CSV with kind,code,ko,en (omit to show). 코드표 YAML 또는 CSV."),
    ] = None,
) -> None:
    """Show or set the names of the company's stop-reason and defect codes. 비가동 사유·불량 코드표 보기/설정."""
    from sandan.monitor.codes import CodeTable, company_codes, save_company_codes

    _company_setting(
        company,
        file,
        company_codes,
        CodeTable.parse,
        save_company_codes,
        lambda table: f"{len(table.reasons)} reason code(s), {len(table.defects)} defect code(s)",
    )


@company_app.command("takeout")
def company_takeout_cmd(
    company: Annotated[str, typer.Argument(help="Company id. 회사 아이디.")],
    target: Annotated[
        Path | None,
        typer.Argument(
            help="ZIP file or folder (default: the data folder's takeout/<company>/). ZIP 파일 또는 폴더."
        ),
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            click_type=click.Choice(["ko", "en"]), help="Language of the CSV headers. 열 이름 언어."
        ),
    ] = "ko",
) -> None:
    """Write everything the platform holds for one company to one ZIP: part records and machine events as monthly
    CSV (Excel opens them, `sandan import` reads them back), readings as monthly Parquet, the plant, users,
    quarantine, audit log, models and settings. 회사의 데이터 전체를 ZIP 하나로 내보냅니다."""
    from rich.progress import BarColumn, Progress, TextColumn

    from sandan.collect.takeout import company_takeout

    settings = load_settings()
    try:
        with (
            _open(settings) as store,
            Progress(TextColumn("{task.description}"), BarColumn(), console=console) as bar,
        ):
            _company_or_fail(store, company)
            task = bar.add_task("takeout / 내보내는 중", total=None)

            def progress(done: int, total: int | None = None, message: tuple[str, str] = ("", "")) -> None:
                bar.update(task, completed=done, total=total, description=" / ".join(message))

            path, manifest = company_takeout(
                store,
                company,
                settings.ensure_data_dir(),
                target,
                zone=settings.display_timezone,
                lang=lang,
                version=__version__,
                progress=progress,
            )
    except SandanError as exc:
        _fail(exc)
    rows = manifest.rows
    console.print(
        f"✓ {escape(str(path))}: {rows.get('parts', 0):,} part records, {rows.get('events', 0):,} machine events, "
        f"{rows.get('readings', 0):,} readings, {len(manifest.files)} files / 생산 기록 {rows.get('parts', 0):,}행, "
        f"설비 상태 {rows.get('events', 0):,}행, 센서 값 {rows.get('readings', 0):,}행, 파일 {len(manifest.files)}개",
        soft_wrap=True,
    )


@company_app.command("erase")
def company_erase_cmd(
    company: Annotated[str, typer.Argument(help="Company id. 회사 아이디.")],
    confirm: Annotated[
        str | None,
        typer.Option(help="The company id again, as confirmation (asked when omitted). 확인용 회사 아이디."),
    ] = None,
) -> None:
    """Erase everything held for a company that left the complex: records, plant, users, models, files, settings.
    Take its data out first (`sandan company takeout`): its takeout files are erased too. 회사 데이터 전체 삭제."""
    from sandan.collect.erase import erase_check, erase_company

    settings = load_settings()
    try:
        with _open(settings) as store:
            check = erase_check(store, company, settings.data_dir)
            last = check["last_takeout"]
            if not check["exists"]:
                console.print(
                    f"company {company!r} is not registered: what is left under its id is swept / 등록되지 않은 "
                    "회사입니다. 이 아이디로 남은 것을 지웁니다",
                    soft_wrap=True,
                )
            console.print(
                f"last takeout / 마지막 내려받기: {last['name'] if last else 'none / 없음'}; "
                f"{check['backups']} backup(s) still hold its records until pruned / 백업 {check['backups']}개에는 "
                "지워질 때까지 남습니다",
                soft_wrap=True,
            )
            if confirm is None:
                confirm = typer.prompt(f"type {company} to erase it / 지우려면 {company}을(를) 입력하세요")
            done = erase_company(store, None, company, settings.data_dir, confirm)
    except SandanError as exc:
        _fail(exc)
    rows = sum(v for k, v in done["rows"].items() if k != "catalogue_entries")
    console.print(
        f"✓ company {company!r} erased: {rows:,} rows, {done['files']} files / 회사를 지웠습니다: {rows:,}행, "
        f"파일 {done['files']}개",
        soft_wrap=True,
    )


def _serve(settings: Settings, store: Store, *, quiet: bool = False, connectors=None) -> None:
    import uvicorn

    from sandan.api.app import create_app

    app_ = create_app(settings=settings, store=store, connectors=connectors)
    # behind a TLS proxy on another host the proxy's own address stood for every user (sign-in limits counted them
    # as one) and the session cookie lacked Secure: SANDAN_FORWARDED_ALLOW_IPS names the proxies to believe
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        log_level="warning" if quiet else "info",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on. 접속 주소.")] = None,
    port: Annotated[int | None, typer.Option(help="Port. 포트.")] = None,
) -> None:
    """Run the API and web UI server. API와 웹 화면 서버를 실행합니다."""
    settings = load_settings(**{k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    try:
        store = _open(settings)
    except SandanError as exc:
        _fail(exc)
    console.print(
        f"sandan {__version__} → http://{settings.host}:{settings.port}  ({settings.resolved_store_url})"
    )
    _serve(settings, store)


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV, Excel (.xlsx) or Parquet file. 가져올 파일.", exists=False)
    ],
    company: Annotated[str, typer.Option(help="Company id. 회사 아이디.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping YAML for repeat imports. 열 매핑 YAML.")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of timestamps without one, e.g. Asia/Seoul.")
    ] = None,
    machine: Annotated[
        str | None, typer.Option(help="Machine id when the file has no machine column.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding (detected when omitted), e.g. cp949.")
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            click_type=click.Choice(["dmy", "mdy"]),
            help="How dates such as 5/12/2026 are written: dmy (day/month) or mdy (month/day). 날짜 순서.",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(help="Excel sheet to import (default: the first with data). 가져올 엑셀 시트."),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(help="Date of a sheet whose times have no date, YYYY-MM-DD. 날짜 없는 시각의 날짜."),
    ] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Only show detected columns; write nothing.")
    ] = False,
    save_mapping: Annotated[
        Path | None, typer.Option(help="Write the mapping used to this YAML file.")
    ] = None,
) -> None:
    """Import production data from a file, with a preview of detected columns. 파일에서 생산 데이터를 가져옵니다."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from sandan.collect import files

    settings = load_settings()
    try:
        if not file.exists():
            raise SandanError(
                f"file {file} does not exist", f"파일 {file}이(가) 없습니다", code="file_not_found"
            )
        with _open(settings) as store:
            if store.get_company(company) is None:
                raise SandanError(
                    f"company {company!r} does not exist; create it first (sandan user add … --create-company)",
                    f"회사 {company!r}이(가) 없습니다. 먼저 만드세요",
                    code="not_found",
                )
            # the mapping first, so the preview and its sample check read the sheet the import will read
            given = files.Mapping.from_yaml(mapping) if mapping else None
            try:
                shown = files.preview_for_company(
                    store, company, file, encoding=encoding, sheet=sheet or (given.sheet if given else None)
                )
            except InvalidInput as exc:  # an import refused whole is kept, as import_file keeps its refusals
                if preview:
                    raise
                raise files.reject_file(store, company, file, f"cli:{file.name}", "file", exc) from None
            chosen = given or shown.mapping
            updates = {
                k: v
                for k, v in {
                    "timezone": timezone,
                    "machine_id": machine,
                    "encoding": encoding,
                    "date_order": date_order,
                    "sheet": sheet,
                    "day": day,
                }.items()
                if v
            }
            if updates:
                chosen = files.Mapping.from_dict({**chosen.model_dump(), **updates}, where="options")
            info = shown.to_dict()
            table = Table(title=f"{file.name}: {info.get('format', '')} {info.get('encoding') or ''}".strip())
            table.add_column("column / 열")
            table.add_column("role / 역할")
            for col, role in chosen.columns.items():
                table.add_row(str(col), str(role))
            console.print(table)
            console.print(
                f"kind / 종류: {chosen.kind}, layout / 형태: {chosen.layout}, timezone / 시간대: {chosen.timezone}"
            )
            for warning in info.get("warnings", []):
                text = warning if isinstance(warning, str) else " / ".join(str(v) for v in warning.values())
                console.print(f"[yellow]! {text}[/]")
            # the sample rows through the import's own checks, with the mapping this import will use
            check = files.check_sample(store, company, shown, chosen)
            summary = check.summary()
            console.print(f"{'[yellow]! ' if check.error or check.issues else '✓ '}{escape(summary['en'])}"
                          f"{'[/]' if check.error or check.issues else ''}\n  {escape(summary['ko'])}")  # fmt: skip
            for row, issues in list(check.by_row().items())[:10]:
                for issue in issues:
                    console.print(
                        f"  row {row}, {escape(str(issue['column']))}: {escape(issue['message']['en'])}\n"
                        f"    {escape(issue['message']['ko'])}"
                    )
            if save_mapping:
                save_mapping.write_text(chosen.to_yaml(), encoding="utf-8")
                console.print(f"✓ mapping saved to {save_mapping} / 매핑을 저장했습니다")
            if preview:
                return
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,.0f}"),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("importing / 가져오는 중", total=None)

                def progress(done: int, total: int | None) -> None:
                    bar.update(task, completed=done, total=total)

                receipt = files.import_file(
                    store, company, file, chosen, source=f"cli:{file.name}", progress=progress
                )
        _print_receipt(receipt)
        if receipt.rejected:
            raise typer.Exit(1)
    except SandanError as exc:
        _fail(exc)


def _print_receipt(receipt) -> None:
    console.print(
        f"✓ accepted {receipt.accepted:,} · duplicates {receipt.duplicates:,} · rejected {receipt.rejected:,}\n"
        f"  저장 {receipt.accepted:,} · 중복 {receipt.duplicates:,} · 거부 {receipt.rejected:,}"
    )
    if receipt.already_quarantined:
        n = f"{receipt.already_quarantined:,}"
        console.print(
            f"  {n} of the rejected rows were already in quarantine from an earlier import (kept once)\n"
            f"  거부된 행 중 {n}행은 이전 가져오기에서 이미 격리함에 있습니다 (한 번만 보관)"
        )
    # what the import noticed beyond its rows (the sheet it read, the other sheets with data)
    for note in getattr(receipt, "notes", []):
        console.print(f"  [yellow]![/] {escape(note['en'])}\n    {escape(note['ko'])}")
    for issue in receipt.issues[:20]:
        where = ", ".join(f"{k} {issue[k]}" for k in ("file", "row", "column") if issue.get(k) is not None)
        console.print(f"  [red]✗[/] {where}: {issue['message']['en']}\n    {issue['message']['ko']}")
    if receipt.rejected:
        console.print(
            "  rejected rows are kept in quarantine (web: 격리함 / Quarantine) / 거부된 행은 격리함에 보관됩니다"
        )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Web UI port. 웹 포트.")] = 8600,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    history_hours: Annotated[
        float,
        typer.Option(help="Hours of history generated at start (24 fills the monitoring pages' day view)."),
    ] = 24.0,
    ai4i: Annotated[Path | None, typer.Option(help="AI4I 2020 CSV to replay on the milling machine.")] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until Ctrl-C).")
    ] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the demo data of an earlier run.")] = False,
    network: Annotated[
        bool,
        typer.Option(
            "--network/--in-process",
            help="Stream some plants over OPC UA, MQTT (Sparkplug B) and Modbus TCP on loopback.",
        ),
    ] = True,
) -> None:
    """Run a live virtual industrial complex and the web UI on embedded defaults. 가상 산업단지 데모."""
    import logging
    import threading

    from sandan.twin.virtual import (
        DEMO_COMPANIES,
        DEMO_PASSWORD,
        build_demo_complex,
        install_demo_alert_rules,
        kept_history_end,
    )

    logging.getLogger("asyncua").setLevel(logging.ERROR)  # its security notices are for production endpoints

    base = load_settings()
    settings = load_settings(data_dir=base.data_dir / "demo", host=host, port=port, store_url="")
    if not keep:  # everything an earlier demo left: records, recipes, alert rules, profiles, models, keys…
        import shutil

        shutil.rmtree(settings.data_dir, ignore_errors=True)
    try:
        store = _open(settings)
        complex_ = build_demo_complex(store, ai4i=ai4i)
        from sandan.monitor.calendar import save_company_calendar
        from sandan.monitor.codes import save_company_codes
        from sandan.twin.virtual import demo_calendar, demo_codes

        for company_id, *_ in DEMO_COMPANIES:
            save_company_calendar(settings.data_dir, company_id, demo_calendar())
            save_company_codes(settings.data_dir, company_id, demo_codes())
        from sandan.connect.demo import install_demo_profiles

        install_demo_profiles(settings.data_dir)  # suppliers and the factories' needs, for partner matching
        install_demo_alert_rules(store, settings.data_dir)
    except SandanError as exc:
        _fail(exc)
    since = kept_history_end(store) if keep else None  # a kept demo's history goes on from its newest record
    with console.status(
        f"generating {history_hours:g} h of history / {history_hours:g}시간 이력 생성 중"
        if since is None
        else "catching up since the kept demo's last record / 보관한 데모의 마지막 기록 이후 이력 생성 중"
    ):
        caught_up = complex_.catch_up(since, history_hours)
    t = complex_.totals
    made = f"{t.parts:,} parts, {t.readings:,} readings"
    if since is not None:  # the kept history is there already: say what was added to it (it read "0 parts")
        made = f"the kept history plus {caught_up:.1f} h since its last record: {made} / 보관한 이력에 {caught_up:.1f}시간 추가"
    console.print(
        f"✓ virtual complex: {len({m.company_id for m in complex_.machines})} companies, "
        f"{len(complex_.machines)} machines, {made}"
    )
    _start_demo_federation(store, settings.data_dir)
    console.print(f"→ http://{host}:{port}")
    console.print(f"  operator / 운영자: admin · {DEMO_PASSWORD}")
    users = ", ".join(company_id.split("-")[0] for company_id, *_ in DEMO_COMPANIES)
    console.print(f"  companies / 기업: {users} · {DEMO_PASSWORD}")
    from sandan.collect.connector import ConnectorRegistry

    registry = ConnectorRegistry()
    transport = None
    if network:
        from sandan.twin.virtual import (
            MODBUS_COMPANIES,
            OPCUA_COMPANIES,
            SPARKPLUG_COMPANIES,
            start_network,
        )

        try:
            transport = start_network(complex_)
            for collector, companies in transport.served:
                registry.register(collector, companies, site="gateway-1")
            for en, ko in transport.notes:
                console.print(f"  • {en}\n    {ko}")
            console.print(
                f"  • Sparkplug B over MQTT: {', '.join(SPARKPLUG_COMPANIES)}; "
                f"OPC UA: {', '.join(OPCUA_COMPANIES)}; Modbus TCP: {', '.join(MODBUS_COMPANIES)}"
            )
        except Exception as exc:  # the demo goes on in-process rather than not at all
            console.print(
                f"[yellow]! network transport unavailable ({exc}); streaming in-process[/]\n"
                f"  네트워크 전송을 쓸 수 없어 프로세스 안에서 전달합니다"
            )
    stop = threading.Event()
    threading.Thread(target=complex_.run, args=(stop,), name="virtual-complex", daemon=True).start()
    if duration is not None:
        threading.Timer(duration, lambda: _stop_server(stop)).start()
    try:
        _serve(settings, store, quiet=True, connectors=registry)
    finally:
        stop.set()
        if transport is not None:
            transport.stop()
        store.close()


def _start_demo_federation(store: Store, data_dir: Path) -> None:
    """The moulders' federation, trained in simulation in the background on the history just made (3 folds, 3 s
    of model search per member), unless an earlier run of a kept demo trained it already."""
    from sandan.learn.federated import service
    from sandan.learn.federated.demo import install_demo_federation
    from sandan.twin.process import MODELS

    features = [p.name for p in MODELS[ProcessFamily.injection].PARAMETERS]
    try:
        fid = install_demo_federation(store, data_dir, features)
        if fid is None or service.cross_tenant_federation(fid, data_dir=data_dir)["runs"]:
            return
        service.start_simulation(store, fid, days=2, folds=3, search_s=3, data_dir=data_dir)
    except SandanError as exc:
        console.print(f"[yellow]! demo federation not started: {exc.message('en')}[/]\n  {exc.message('ko')}")
        return
    console.print(
        "  • the moulders' federation trains in simulation in the background (a few minutes): /federations\n"
        "    사출 회원사 연합이 백그라운드에서 시뮬레이션 학습 중입니다(몇 분): /federations"
    )


def _stop_server(stop) -> None:
    import os
    import signal

    stop.set()
    os.kill(os.getpid(), signal.SIGINT)


edge_app = typer.Typer(
    help="Edge agent: collect at the factory, buffer on disk, forward to the platform. 엣지 수집기.",
    no_args_is_help=True,
)
app.add_typer(edge_app, name="edge")


@edge_app.command("check")
def edge_check(
    config: Annotated[Path, typer.Option("--config", "-c", help="Site YAML. 사이트 설정 파일.")],
) -> None:
    """Validate a site file and list its connectors. 사이트 설정을 검사합니다."""
    from sandan.collect.site import SiteConfig

    try:
        site = SiteConfig.from_yaml(config)
    except SandanError as exc:
        _fail(exc)
    console.print(f"✓ {config}: company {site.company}, {len(site.connectors)} connector(s)")
    for spec in site.connectors:
        console.print(f"  • {spec.type} {spec.name}")


@edge_app.command("run")
def edge_run(
    config: Annotated[Path, typer.Option("--config", "-c", help="Site YAML. 사이트 설정 파일.")],
    status_every: Annotated[float, typer.Option(help="Seconds between status lines.")] = 10.0,
) -> None:
    """Run the site's connectors and forward to the platform until Ctrl-C. 엣지 수집을 실행합니다."""
    import logging
    import time

    from sandan.collect.edge import EdgeAgent
    from sandan.collect.site import SiteConfig

    try:
        agent = EdgeAgent(SiteConfig.from_yaml(config))
    except SandanError as exc:
        _fail(exc)
    # the libraries' own tracebacks on a lost link ("Publish iteration crashed", "Connection … failed"): the
    # status lines below say what happened and that the connector retries
    for name in ("asyncua", "pymodbus"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    agent.start()
    console.print(f"edge agent running: {len(agent.connectors)} connector(s) → {agent.config.platform.url}")
    try:
        while True:
            time.sleep(status_every)
            for h in agent.health():
                # with its time: an error of an hour ago beside "connected" is history, not the state
                last = h.get("last_error")
                err = (
                    f" · {last['en']} ({str(last.get('at', ''))[:19].replace('T', ' ')} UTC)" if last else ""
                )
                console.print(
                    f"  {h['kind']:<9} {h['name']:<16} {h['state']:<12} {h['records']:>10,} rec "
                    f"{h['rate_per_s']:>8.1f}/s  buffer {h['buffer_depth']:,}{err}"
                )
    except KeyboardInterrupt:
        console.print("stopping / 멈추는 중 …")
    finally:
        agent.stop()


def _solver_progress(bar_text: str):
    """A rich status line fed from solver threads (incumbent and bound), safe to call often."""
    from rich.status import Status

    status = Status(bar_text, console=console)

    def update(p) -> None:
        status.update(f"{bar_text}  t={p.elapsed_s:5.1f}s  best={p.incumbent}  bound={p.bound}")

    return status, update


@app.command()
def report(
    company: Annotated[str, typer.Option(help="Company id. 회사 아이디.")],
    day: Annotated[
        str | None,
        typer.Option(
            help="Production day YYYY-MM-DD, from the first shift's start to the next day's, so a night shift is "
            "not cut at midnight (default: the last working day before today, by the company's calendar). "
            "생산일(첫 교대 시작부터 다음 날 첫 교대 시작까지; 기본: 회사 달력으로 오늘 전의 마지막 근무일)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Workbook to write (default: its own name here). 저장할 파일.")
    ] = None,
    lang: Annotated[str, typer.Option(help="ko | en")] = "ko",
) -> None:
    """Write a day's production report as an Excel workbook (OEE, by machine and shift, stops, defects).
    하루 생산 일보를 엑셀 파일로 저장합니다."""
    from datetime import UTC, date, datetime

    from sandan.monitor.calendar import company_calendar
    from sandan.monitor.codes import company_codes
    from sandan.monitor.report import production_report_file

    settings = load_settings()
    calendar = company_calendar(settings.data_dir, company)
    try:
        if lang not in ("ko", "en"):
            raise InvalidInput(
                f"--lang must be ko or en, not {lang!r}", f"--lang은 ko 또는 en이어야 합니다 ({lang!r})"
            )
        try:
            when = (
                date.fromisoformat(day)
                if day
                # on a Monday, a Mon-Fri plant's Friday (the web's "last production day"), not its Sunday
                else calendar.last_working_day(calendar.production_day(datetime.now(UTC)))
            )
            if not 1970 <= when.year <= 2200:  # 9999-12-31 overflowed the day's span
                raise ValueError
        except ValueError:
            raise InvalidInput(
                f"--day must be a date from 1970 to 2200 such as 2026-12-03, not {day!r}",
                f"--day는 2026-12-03 같은 1970~2200년의 날짜여야 합니다 ({day!r})",
                code="bad_day",
            ) from None
        start, end = calendar.production_day_span(when)
        with _open(settings) as store:
            _company_or_fail(store, company)
            found = production_report_file(
                store,
                company,
                start,
                end,
                calendar=calendar,
                codes=company_codes(settings.data_dir, company),
                lang=lang,
                zone=settings.display_timezone,
            )
    except SandanError as exc:
        _fail(exc)
    target = out or Path(found.filename)
    target.write_bytes(found.content)
    span = f"{start:%m-%d %H:%M}–{end:%m-%d %H:%M} {calendar.timezone}"
    console.print(f"✓ {company} {when} ({span}): production report → {target} / 생산 일보 저장")


# Korean for the solvers' result status and the scheduling objectives (as the web's twin pages word them).
_STATUS_KO = {
    "optimal": "최적",
    "feasible": "실행 가능 (최적 미증명)",
    "infeasible": "불가능",
    "unknown": "시간 내 해 없음",
    "model_invalid": "모델 오류",
}
_OBJECTIVE_KO = {
    "makespan": "전체 소요 시간(메이크스팬)",
    "tardiness": "가중 납기 지연",
    "weighted": "완료 시각 + 납기 지연",
}


@app.command()
def schedule(
    file: Annotated[
        Path,
        typer.Argument(
            help="Job-shop instance (jsplib format) or shop orders (.yaml/.json, or .xlsx/.csv with one row per "
            "operation: job, step, machine, minutes)."
        ),
    ],
    objective: Annotated[str, typer.Option(help="makespan | tardiness | weighted")] = "makespan",
    time_limit: Annotated[float, typer.Option(help="Seconds for the solver. 계산 시간(초).")] = 60.0,
    workers: Annotated[int, typer.Option(help="Solver threads.")] = 2,
    gantt_svg: Annotated[
        Path | None, typer.Option("--gantt", help="Write the Gantt chart as SVG here.")
    ] = None,
    lang: Annotated[str, typer.Option(help="ko | en (Gantt labels)")] = "ko",
    start: Annotated[
        str | None,
        typer.Option(
            help="When the schedule begins (2026-12-07T08:00): times on the clock, in working time on the shift "
            "calendar; due dates in the orders read on it. 시작 시각."
        ),
    ] = None,
    calendar_file: Annotated[
        Path | None,
        typer.Option(
            "--calendar",
            help="Shift calendar YAML (as `sandan company calendar`); two 12-h shifts if omitted.",
        ),
    ] = None,
    dispatch: Annotated[
        Path | None, typer.Option(help="Write the dispatch list (per machine, in order) as .xlsx here.")
    ] = None,
) -> None:
    """Schedule a job shop on CP-SAT and check the result independently. 작업 일정 계획."""
    from rich.table import Table

    from sandan.monitor.calendar import ShiftCalendar
    from sandan.twin import order_sheets, service, workclock
    from sandan.twin import schedule as sched
    from sandan.twin.inputs import read_bytes

    try:
        if not file.exists():
            raise SandanError(
                f"file {file} does not exist", f"파일 {file}이(가) 없습니다", code="file_not_found"
            )
        # a day at most from the console (the web's 120 s is for its job threads); NaN gave 'model_invalid' and
        # "✓ checked" over an empty table
        service.check_time_limit(time_limit, most=24 * 3600.0)
        if not 1 <= workers <= 64:
            raise InvalidInput(
                f"--workers must be from 1 to 64 solver threads, got {workers}",
                f"--workers는 1~64개의 계산 스레드여야 합니다. 입력: {workers}",
                code="bad_workers",
            )
        calendar = ShiftCalendar.from_yaml(calendar_file) if calendar_file else ShiftCalendar.two_shifts()
        begin = workclock.parse_start(start, calendar)
        instance = (
            service.parse_shop_file(read_bytes(file), file.name, start=begin, calendar=calendar)
            if file.suffix.lower() in (".yaml", ".yml", ".json", *sched.SHEET_SUFFIXES)
            else service.with_start_note(sched.read_jsplib(file), begin)
        )
        status, update = _solver_progress(f"solving {file.name} / 계산 중")
        with status:
            result = sched.solve_jobshop(
                instance, objective=objective, time_limit_s=time_limit, workers=workers, progress=update
            )
    except SandanError as exc:
        _fail(exc)
    gap = result.gap()
    gap_en = f", gap {gap:.1%}" if gap is not None else ""
    gap_ko = f", 차이 {gap:.1%}" if gap is not None else ""
    # the makespan once: as the objective, or beside another objective
    also_en = f" · makespan {result.makespan}" if result.objective != "makespan" else ""
    also_ko = f" · 전체 소요 시간(메이크스팬) {result.makespan}" if result.objective != "makespan" else ""
    console.print(
        f"{result.instance}: {result.status} · {result.objective} {result.objective_value} "
        f"(bound {result.bound}{gap_en}){also_en} · {result.wall_time_s:.1f} s\n"
        f"  {_STATUS_KO.get(result.status, result.status)} · "
        f"{_OBJECTIVE_KO.get(result.objective, result.objective)} {result.objective_value} "
        f"(하한 {result.bound}{gap_ko}){also_ko} · {result.wall_time_s:.1f}초"
    )
    if result.violations:
        for v in result.violations:
            err.print(f"[red]✗[/] {v.en}\n  {v.ko}")
        raise typer.Exit(1)
    console.print("✓ checked: precedence, machine capacity and setups hold / 검증 완료")
    try:
        out = service.schedule_output(instance, result, begin, calendar)
    except SandanError as exc:
        _fail(exc)
    clock = "start_at" in (out["schedule"] or [{}])[0]
    for note in out["notes"]:
        console.print(f"[yellow]![/] {note['en']}\n  {note['ko']}")
    if out.get("makespan_at"):
        console.print(
            f"finishes at / 완료 시각 {out['makespan_at'][:16].replace('T', ' ')} ({calendar.timezone})"
        )
    table = Table(
        "machine / 설비", "job / 작업", "op", "start", "end", "setup", *(("starts", "ends") if clock else ())
    )
    for op in sorted(out["schedule"], key=lambda o: (o["machine"], o["start"]))[:40]:
        at = (op["start_at"][:16].replace("T", " "), op["end_at"][:16].replace("T", " ")) if clock else ()
        # steps counted from 1, as the Gantt chart's bars and the dispatch list name them (J0-2)
        table.add_row(
            op["machine"],
            op["job"],
            str(op["op"] + 1),
            str(op["start"]),
            str(op["end"]),
            str(op["setup"]),
            *at,
        )
    console.print(table)
    if dispatch:
        dispatch.write_bytes(order_sheets.dispatch_workbook(out["schedule"], out.get("time_unit", ""), lang))
        console.print(f"✓ dispatch list / 설비별 작업 순서 → {dispatch}")
    if len(result.schedule) > 40:
        console.print(f"… {len(result.schedule) - 40} more operations")
    if gantt_svg:
        gantt_svg.write_text(sched.gantt_svg(service.gantt_of(out), lang=lang), encoding="utf-8")
        console.print(f"✓ Gantt chart → {gantt_svg}")


@app.command()
def balance(
    file: Annotated[
        Path, typer.Argument(help="Precedence graph: Scholl .IN2, Otto et al. .alb, or a line (.yaml/.json).")
    ],
    cycle_time: Annotated[
        float | None,
        typer.Option(
            help=(
                "SALBP-1: fewest stations for this cycle time, in the line's time unit (12.5 is fine; "
                "the file's own, .alb or YAML cycle_time, if neither is given)."
            )
        ),
    ] = None,
    stations: Annotated[
        int | None, typer.Option(help="SALBP-2: shortest cycle time for this many stations.")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 30.0,
) -> None:
    """Balance an assembly line (SALBP-1 or SALBP-2): branch and bound, then CP-SAT. 라인 밸런싱."""
    from rich.table import Table

    from sandan.domain.text import counted
    from sandan.twin import balance as bal
    from sandan.twin import service as twin_service
    from sandan.twin.workclock import unit_of, unit_word

    try:
        if not file.exists():
            raise SandanError(
                f"file {file} does not exist", f"파일 {file}이(가) 없습니다", code="file_not_found"
            )
        problem = bal.read_line_problem(file)
        cycle_time, stations = twin_service.balance_goal(problem, cycle_time, stations)
        if (cycle_time is None) == (stations is None):
            raise SandanError(
                "give exactly one of --cycle-time (SALBP-1) or --stations (SALBP-2)",
                "--cycle-time(SALBP-1) 또는 --stations(SALBP-2) 중 하나만 주세요",
                code="bad_option",
            )
        kind = "salbp1" if cycle_time is not None else "salbp2"
        with console.status(f"balancing {file.name} / 계산 중"):
            result = bal.balance_line(
                problem, kind, cycle_time=cycle_time, stations=stations, time_limit_s=time_limit
            )
    except SandanError as exc:
        _fail(exc)
    eff = result.efficiency
    unit = result.time_unit
    # the lower bound is on what the problem minimises: stations (SALBP-1) or the cycle time (SALBP-2)
    lb = result.lower_bound
    lb_en, lb_ko = bal.time_text(lb, unit)
    if result.kind == "salbp1":
        st_en, ct_en = f" (lower bound: {counted(lb, 'station')})", ""
        st_ko, ct_ko = f" (하한: 공정 {lb}개)", ""
    else:
        st_en, ct_en = "", f" (lower bound: cycle time {lb_en})"
        st_ko, ct_ko = "", f" (하한: 사이클타임 {lb_ko})"
    ct = bal.time_text(result.cycle_time, unit) if result.cycle_time is not None else ("—", "—")
    console.print(
        f"{result.problem}: {result.kind} {result.status} · {counted(result.num_stations, 'station')}{st_en} · "
        f"cycle time {ct[0]}{ct_en}{f' · efficiency {eff:.1%}' if eff is not None else ''} · "
        f"{result.wall_time_s:.1f} s\n"
        f"  {_STATUS_KO.get(result.status, result.status)} · 공정 {result.num_stations}개{st_ko} · 사이클타임 "
        f"{ct[1]}{ct_ko}{f' · 효율 {eff:.1%}' if eff is not None else ''} · {result.wall_time_s:.1f}초"
    )
    if result.violations:
        for v in result.violations:
            err.print(f"[red]✗[/] {v.en}\n  {v.ko}")
        raise typer.Exit(1)
    in_unit = f" ({unit_word(unit_of(unit), 'en')} / {unit_word(unit_of(unit), 'ko')})" if unit else ""
    table = Table("station / 공정", "tasks / 작업", f"load / 부하{in_unit}", "worker / 작업자")
    for st in result.stations:
        table.add_row(str(st.index), ", ".join(st.tasks), str(st.load), st.worker or "")
    console.print(table)


twin_app = typer.Typer(
    help="Digital twin of a line: simulate, compare, design. 라인 디지털 트윈.", no_args_is_help=True
)
app.add_typer(twin_app, name="twin")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g} h"


def _check_run_options(replications: int, hours: float, warmup_hours: float, seed: int) -> None:
    """Refuse run lengths that cannot work before simulating, naming the options as typed (--hours -1), not the
    simulation's seconds."""
    if replications < 2:
        raise InvalidInput(
            f"--replications must be at least 2 (a 95 % interval needs two runs), got {replications}",
            f"--replications는 2 이상이어야 합니다 (95 % 구간에는 두 번 이상의 실행이 필요합니다). 입력: {replications}",
            code="bad_replications",
        )
    from sandan.twin.service import MAX_HOURS, MAX_REPLICATIONS

    if replications > MAX_REPLICATIONS:
        raise InvalidInput(
            f"--replications must be at most {MAX_REPLICATIONS}, got {replications}",
            f"--replications는 {MAX_REPLICATIONS} 이하여야 합니다. 입력: {replications}",
            code="bad_replications",
        )
    if not 0 < hours <= MAX_HOURS:  # NaN and ∞ too: --hours inf ran without end
        raise InvalidInput(
            f"--hours must be more than 0 and at most {MAX_HOURS} (a month), got {hours:g}",
            f"--hours는 0보다 크고 {MAX_HOURS}(한 달) 이하여야 합니다. 입력: {hours:g}",
            code="bad_run_length",
        )
    if not 0 <= warmup_hours < hours:
        raise InvalidInput(
            f"--warmup-hours must be at least 0 and less than --hours {hours:g} (the warm-up is part of each run), "
            f"got {warmup_hours:g}",
            f"--warmup-hours는 0 이상이고 --hours {hours:g}보다 작아야 합니다 (워밍업은 각 실행 시간에 포함됩니다). "
            f"입력: {warmup_hours:g}",
            code="bad_run_length",
        )
    if seed < 0:
        raise InvalidInput(
            f"--seed must be a whole number from 0 up, got {seed}",
            f"--seed는 0 이상의 정수여야 합니다. 입력: {seed}",
            code="bad_seed",
        )


def _votes(votes: dict[str, int], replications: int) -> tuple[str, str]:
    """Which stations the replications found the bottleneck, in words: ("drill in 9, cut in 1 of 10 runs",
    "10회 중 drill 9회, cut 1회")."""
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    en = ", ".join(f"{sid} in {n}" for sid, n in ranked) + f" of {replications} runs"
    ko = f"{replications}회 중 " + ", ".join(f"{sid} {n}회" for sid, n in ranked)
    return en, ko


@twin_app.command("run")
def twin_run(
    line_file: Annotated[Path, typer.Argument(help="Line model YAML. 라인 모델 YAML.")],
    replications: Annotated[int, typer.Option(help="Independent replications.")] = 10,
    hours: Annotated[float, typer.Option(help="Simulated hours per replication (incl. warm-up).")] = 8.0,
    warmup_hours: Annotated[float, typer.Option(help="Warm-up hours left out of the statistics.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same answer).")] = 0,
) -> None:
    """Simulate a line: throughput, lead time, WIP, utilisation and the bottleneck, with 95 % intervals.
    라인 시뮬레이션."""
    from rich.progress import Progress
    from rich.table import Table

    from sandan.twin.inputs import read_text
    from sandan.twin.service import parse_line
    from sandan.twin.sim import run_line

    try:
        if not line_file.exists():
            raise SandanError(
                f"file {line_file} does not exist", f"파일 {line_file}이(가) 없습니다", code="file_not_found"
            )
        _check_run_options(replications, hours, warmup_hours, seed)
        line = parse_line(read_text(line_file))
        with Progress(console=console) as bar:
            task = bar.add_task("simulating / 시뮬레이션 중", total=replications)
            result = run_line(
                line,
                replications=replications,
                horizon=hours * 3600,
                warmup=warmup_hours * 3600,
                seed=seed,
                progress=lambda done, total, *_: bar.update(task, completed=done, total=total),
            )
    except SandanError as exc:
        _fail(exc)
    console.print(
        f"{line.name or line.id}: {replications} × {_hours(hours * 3600)} (warm-up {_hours(warmup_hours * 3600)})"
    )
    table = Table("KPI", "mean / 평균", "± 95%")
    for name, est in result.line.items():
        # a lead time with no part out of the line is unknown: "—", not "nan ± nan"
        known = est.mean == est.mean
        table.add_row(
            _kpi_label(name),
            f"{est.mean:,.3f}" if known else "—",
            f"{est.half_width:,.3f}" if known and est.half_width == est.half_width else "—",
        )
    console.print(table)
    if not any(est.mean > 0 for name, est in result.line.items() if name.startswith("throughput")):
        console.print(
            f"[yellow]No part left the line in {_hours(hours * 3600)}: its lead times cannot be measured. Check "
            "the stations' failures, the workers who serve them and the calendar.[/]"
        )
        console.print(
            f"[yellow]{_hours(hours * 3600)} 동안 라인을 나온 부품이 없어 리드타임을 잴 수 없습니다. 공정의 고장, "
            "공정을 맡은 작업자와 근무 달력을 확인하세요.[/]"
        )
    _print_station_shares(result)
    votes_en, votes_ko = _votes(result.bottleneck_votes, replications)
    console.print(
        f"bottleneck / 병목: [bold]{escape(result.bottleneck)}[/] (active-period method: {escape(votes_en)} / "
        f"활성 구간 방법: {escape(votes_ko)})"
    )


@twin_app.command("sweep")
def twin_sweep(
    line_file: Annotated[Path, typer.Argument(help="Line model YAML. 라인 모델 YAML.")],
    vary: Annotated[
        list[str],
        typer.Option(
            help="A setting and its values: stations.drill.machines=1,2,3 (repeat for more settings). "
            "바꿀 설정과 값들."
        ),
    ],
    side_by_side: Annotated[
        bool, typer.Option(help="The values of every setting side by side instead of every combination.")
    ] = False,
    replications: Annotated[int, typer.Option(help="Independent replications.")] = 10,
    hours: Annotated[float, typer.Option(help="Simulated hours per replication (incl. warm-up).")] = 8.0,
    warmup_hours: Annotated[float, typer.Option(help="Warm-up hours left out of the statistics.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same answer).")] = 0,
) -> None:
    """Simulate the line with each value of its settings, beside the line as it is, with common random numbers:
    throughput and its paired difference to the line with 95 % intervals. 설정 값마다 라인 시뮬레이션."""
    from rich.progress import Progress
    from rich.table import Column, Table

    from sandan.domain.text import counted
    from sandan.twin.inputs import read_text
    from sandan.twin.service import check_run, compare_lines, parse_line, parse_sweep, sweep_scenarios

    try:
        if not line_file.exists():
            raise SandanError(
                f"file {line_file} does not exist", f"파일 {line_file}이(가) 없습니다", code="file_not_found"
            )
        line = parse_line(read_text(line_file))
        parameters: dict[str, list] = {}
        for item in vary:
            path, sep, values = item.partition("=")
            if not sep:
                raise SandanError(
                    f"--vary {item!r}: write a setting and its values, e.g. stations.drill.machines=1,2,3",
                    f"--vary {item!r}: 설정과 값들을 쓰세요. 예: stations.drill.machines=1,2,3",
                    code="bad_sweep",
                )
            added = parse_sweep(path, values)
            twice = [p for p in added if p in parameters]
            if twice:  # the second --vary replaced the first without a word
                raise InvalidInput(
                    f"--vary {twice[0]} is given twice; give all its values in one, e.g. {twice[0]}=1,2,3",
                    f"--vary {twice[0]}이(가) 두 번 있습니다. 값을 한 번에 모두 쓰세요. 예: {twice[0]}=1,2,3",
                    code="bad_sweep",
                )
            parameters |= added
        _check_run_options(replications, hours, warmup_hours, seed)
        check_run(replications, hours, warmup_hours)
        lines = sweep_scenarios(line, parameters, grid=not side_by_side)
        with Progress(console=console) as bar:
            task = bar.add_task("simulating / 시뮬레이션 중", total=replications * len(lines))
            result = compare_lines(
                lambda done, total=None, *_: bar.update(task, completed=done, total=total),
                lines,
                replications=replications,
                hours=hours,
                warmup_hours=warmup_hours,
                seed=seed,
            )
    except SandanError as exc:
        _fail(exc)
    console.print(
        f"{line.name or line.id}: {counted(len(lines) - 1, 'variant')} × {replications} × {_hours(hours * 3600)} "
        f"(warm-up {_hours(warmup_hours * 3600)})"
    )
    table = Table(  # a variant's name is shown whole, wrapped where the terminal is narrow
        Column("scenario / 시나리오", overflow="fold"),
        _kpi_label("throughput_per_h"),
        "± 95%",
        "vs line / 라인 대비",
        "bottleneck / 병목",
    )
    for row in result["table"]:
        est, diff = row["throughput_per_h"], row.get("throughput_per_h_vs_baseline")
        change = f"{diff['mean']:+,.2f} ± {diff['half_width']:,.2f}" if diff else "—"
        table.add_row(
            escape(row["scenario"]),
            f"{est['mean']:,.2f}",
            f"{est['half_width']:,.2f}",
            change,
            escape(row["bottleneck"]),
        )
    console.print(table)


# Shares of each station's machine time shown by `sandan twin run` (the web's station table shows these too).
_STATION_SHARES = ("utilisation", "blocked", "starved")


def _kpi_label(name: str) -> str:
    from sandan.twin.sim import LABELS

    en, ko = LABELS.get(name, (name, name))
    return escape(f"{en} / {ko}" if en != ko else name)


def _share(est) -> str:
    """A share estimate over the replications as "85.3% ± 1.2%" — the half-width in percentage points, written
    as the CLI writes every share ("efficiency 62.5%") — or "—" where no replication observed it."""
    if est.mean != est.mean:  # NaN
        return "—"
    hw = f" ± {est.half_width:.1%}" if est.half_width == est.half_width else ""
    return f"{est.mean:.1%}{hw}"


def _print_station_shares(result) -> None:
    """Per station the simulation result's utilisation, blocked and starved shares of machine time (those it
    has), the bottleneck's row in bold; then each worker group's utilisation."""
    from rich.table import Table

    shown = [k for k in _STATION_SHARES if any(k in kpis for kpis in result.stations.values())]
    if shown:
        table = Table("station / 공정", *(_kpi_label(k) + " (± 95%)" for k in shown))
        for sid, kpis in result.stations.items():
            table.add_row(
                escape(sid),
                *(_share(kpis[k]) if k in kpis else "—" for k in shown),
                style="bold" if sid == result.bottleneck else None,
            )
        console.print(table)
    if result.workers:
        table = Table("workers / 작업자", _kpi_label("utilisation") + " (± 95%)")
        for wid, kpis in result.workers.items():
            table.add_row(escape(wid), _share(kpis["utilisation"]) if "utilisation" in kpis else "—")
        console.print(table)


@twin_app.command("optimize")
def twin_optimize(
    line_file: Annotated[Path, typer.Argument(help="Line model YAML.")],
    space_file: Annotated[
        Path, typer.Argument(help="YAML: machines/workers ranges and buffer sizes to try.")
    ],
    target: Annotated[float | None, typer.Option(help="Good parts per hour to reach at least cost.")] = None,
    budget: Annotated[float | None, typer.Option(help="Best throughput within this cost.")] = None,
    replications: Annotated[int, typer.Option()] = 5,
    hours: Annotated[float, typer.Option()] = 8.0,
    warmup_hours: Annotated[float, typer.Option(help="Hours of each run left out of the statistics.")] = 1.0,
    trials: Annotated[int, typer.Option(help="Designs to try at most.")] = 60,
    surely: Annotated[
        bool, typer.Option(help="With --target: the lower end of a design's 95 % interval must reach it.")
    ] = False,
) -> None:
    """Choose machines, staffing and buffers for a target throughput or a budget. 설비·인원·버퍼 설계."""
    from rich.table import Table

    from sandan.twin.design import optimize_design
    from sandan.twin.inputs import read_data_file, read_text
    from sandan.twin.service import parse_line

    try:
        for f in (line_file, space_file):
            if not f.exists():
                raise SandanError(
                    f"file {f} does not exist", f"파일 {f}이(가) 없습니다", code="file_not_found"
                )
        # named as typed (--hours 0.2 was "0 ≤ warm-up < run length (got 720 s and 3600 s)"; --hours inf ran on)
        _check_run_options(replications, hours, warmup_hours, 0)
        space = read_data_file(space_file, "the design space", "설계 범위") or {}
        with console.status("searching designs / 설계 탐색 중"):
            result = optimize_design(
                parse_line(read_text(line_file)),
                space,
                target=target,
                budget=budget,
                replications=replications,
                horizon=hours * 3600,
                warmup=warmup_hours * 3600,
                n_trials=trials,
                confidence="lower" if surely else "mean",
            )
    except SandanError as exc:
        _fail(exc)
    info = result.to_dict()
    console.print(f"{info['message']['en']}\n{info['message']['ko']}")
    console.print(f"simulated {info['simulated']} designs, pruned {info['pruned']} by analytic bounds")

    def row(point: dict) -> tuple[str, str, str]:
        th = point.get("throughput_per_h") or {}
        shown = f"{th.get('mean', float('nan')):,.2f} ± {th.get('half_width', float('nan')):,.2f}"
        return (", ".join(f"{k}={v}" for k, v in point["changes"].items()), f"{point['cost']:,.0f}", shown)

    table = Table("design / 설계", "cost / 비용", "good parts/h (95%) / 시간당 양품")
    if info["best"]:
        table.add_row(*row(info["best"]), style="bold")
    for point in info["runners_up"]:
        table.add_row(*row(point))
    console.print(table)


# ---- learn: training and the model registry ---------------------------------------------------------------------
models_app = typer.Typer(help="The model registry. 모델 등록부.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command()
def train(
    company: Annotated[str, typer.Option(help="company id / 회사 ID")],
    name: Annotated[str, typer.Option(help="model name, e.g. defects / 모델 이름")],
    budget: Annotated[float, typer.Option(help="search time budget in seconds / 탐색 시간 예산(초)")] = 60,
    days: Annotated[float, typer.Option(help="days of history to learn from / 학습 기간(일)")] = 30,
    target: Annotated[str, typer.Option(help="result, defect_type or a measured characteristic")] = "result",
    machine: Annotated[list[str] | None, typer.Option(help="only these machines (repeat) / 설비")] = None,
) -> None:
    """Train, evaluate and register a candidate model from the company's part records. 모델 학습."""
    from datetime import UTC, datetime, timedelta

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from sandan.learn.train import train_model

    settings = load_settings()
    end = datetime.now(UTC)
    try:
        _check_days(days)
        if not 0 < budget <= 24 * 3600:  # -1 or NaN trained and registered a model ("시간 예산 -1초")
            raise InvalidInput(
                f"--budget must be more than 0 and at most 86400 s (a day), got {budget:g}",
                f"--budget은 0초보다 크고 86400초(하루) 이하여야 합니다. 입력: {budget:g}",
                code="bad_budget",
            )
        with _open(settings) as store:
            _company_or_fail(store, company)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("training / 학습", total=100)

                def progress(p) -> None:
                    bar.update(task, completed=round(p.fraction * 100), description=f"{p.en} / {p.ko}")

                result = train_model(
                    store,
                    company,
                    name=name,
                    target=target,
                    machine_ids=machine or None,
                    start=end - timedelta(days=days),
                    end=end,
                    budget_s=budget,
                    progress=progress,
                    user_id=f"cli:{getpass.getuser()}",
                    data_dir=settings.data_dir,
                )
    except SandanError as exc:
        _fail(exc)
    mv = result.model
    console.print(f"✓ {mv.name} v{mv.version} registered as a candidate / 후보로 등록")
    console.print(result.evaluation.report("en"))
    console.print(result.evaluation.report("ko"))


def _score_text(metrics: dict) -> str:
    m = (metrics or {}).get("metrics", {})
    for key in ("f1", "macro_f1", "rmse"):
        if key in m:
            return f"{key} {m[key]:.3f}"
    return "—"


@models_app.command("list")
def models_list(
    company: Annotated[str, typer.Option(help="company id / 회사 ID")],
    name: Annotated[str | None, typer.Option(help="only this model / 모델 이름")] = None,
) -> None:
    """Registered model versions with stage and score. 등록된 모델 버전."""
    from rich.table import Table

    from sandan.learn.registry import list_models

    try:
        with _open(load_settings()) as store:
            _company_or_fail(store, company)
            versions = list_models(store, company, name)
    except SandanError as exc:
        _fail(exc)
    if not versions:
        console.print("no models yet / 아직 모델이 없습니다")
        return
    table = Table(
        "name / 이름", "version / 버전", "stage / 단계", "score / 성능", "trained / 학습", "from / 출처"
    )
    for m in versions:
        table.add_row(
            m.name,
            str(m.version),
            m.stage,
            _score_text(m.metrics),
            m.trained_at.isoformat(timespec="seconds") if m.trained_at else "",
            m.origin or "here / 자체",
        )
    console.print(table)


@models_app.command("promote")
def models_promote(
    company: Annotated[str, typer.Option(help="company id / 회사 ID")],
    name: Annotated[str, typer.Option(help="model name / 모델 이름")],
    version: Annotated[int, typer.Option(help="version to put in production / 운영할 버전")],
) -> None:
    """Put a version in production; the previous production version is retired. 운영 승격."""
    from sandan.learn.registry import promote

    try:
        with _open(load_settings()) as store:
            _company_or_fail(store, company)
            mv = promote(store, company, name, version, user_id=f"cli:{getpass.getuser()}")
    except SandanError as exc:
        _fail(exc)
    console.print(f"✓ {mv.name} v{mv.version} is in production / 운영 중")


federate_app = typer.Typer(
    help="Federated training across companies of one process family. 연합 학습.", no_args_is_help=True
)
app.add_typer(federate_app, name="federate")


@federate_app.command("create")
def federate_create(
    name: Annotated[str, typer.Option(help="federation name / 연합 이름")],
    family: Annotated[str, typer.Option(help="process family / 공정 계열")],
    target: Annotated[str, typer.Option(help="column learned / 목표 열")] = "result",
    positive: Annotated[str, typer.Option(help="positive class / 양성 값")] = "ng",
    feature: Annotated[list[str], typer.Option(help="numeric feature (repeat) / 특징 열")] = [],  # noqa: B006
    strategy: Annotated[str, typer.Option(help="trees | fedavg | fedprox")] = "trees",
    secure_aggregation: Annotated[
        bool, typer.Option(help="fedavg/fedprox: SecAgg+, the server sees only the mean / 보안 집계")
    ] = False,
    dp_noise: Annotated[
        float | None,
        typer.Option(help="fedavg/fedprox: DP noise multiplier σ, ε is reported / 차분 프라이버시 잡음"),
    ] = None,
    address: Annotated[
        str, typer.Option(help="host:port members connect to (real mode) / 회원사가 접속할 서버 주소")
    ] = "",
) -> None:
    """Operator: create a federation. 운영자: 연합 만들기."""
    from sandan.learn.federated import service
    from sandan.learn.federated.client import Schema

    settings = load_settings()
    try:
        with _open(settings) as store:
            fed = service.create_federation(
                name,
                family,
                Schema(target, positive, list(feature)),
                strategy=strategy,
                address=address,
                secure_aggregation=secure_aggregation,
                dp_noise_multiplier=dp_noise,
                data_dir=settings.data_dir,
                store=store,
            )
    except SandanError as exc:
        _fail(exc)
    console.print(f"✓ federation {fed['id']} ({family}) created / 연합 생성")


@federate_app.command("join")
def federate_join(
    company: Annotated[str, typer.Option(help="company id / 회사 ID")],
    federation: Annotated[str, typer.Option(help="federation id / 연합 ID")],
    key_file: Annotated[Path, typer.Option(help="where to keep the private key / 개인키 파일")],
) -> None:
    """Join with a new key pair; the private key stays in KEY_FILE. 키를 만들어 연합에 참여."""
    from sandan.learn.federated import service
    from sandan.learn.federated.flower import generate_key

    private, public = generate_key()
    # the key is written before the membership is registered: a key that cannot be kept (a missing folder) left a
    # member whose private key was lost
    pending = key_file.with_name(key_file.name + ".new")
    try:
        pending.write_bytes(private)
        pending.chmod(0o600)
    except OSError as exc:  # said of the key file given, not of the scratch name
        _fail(_file_problem(OSError(exc.errno, exc.strerror, str(key_file))))
    try:
        with _open(load_settings()) as store:
            _company_or_fail(store, company)
            view = service.join_federation(
                store, company, federation, public.decode(), data_dir=load_settings().data_dir
            )
            ticket = service.ticket(store, company, federation, data_dir=load_settings().data_dir)
    except SandanError as exc:
        pending.unlink(missing_ok=True)
        _fail(exc)
    pending.replace(key_file)
    _ticket_path(key_file).write_text(json.dumps(ticket, ensure_ascii=False, indent=1), encoding="utf-8")
    if view.get("key_replaced"):
        # joining again made a new key: the old key file no longer connects (it was said as a plain join)
        console.print(
            f"✓ {company} was already a member of {federation}: its key is now the one in {key_file}, and the old "
            "key file no longer connects / 이미 회원사입니다. 키를 새 키로 바꿨으므로 이전 키 파일로는 더 이상 접속할 수 "
            "없습니다",
            soft_wrap=True,
        )
    else:
        console.print(
            f"✓ {company} joined {federation} ({view['participants']} members) / 참여 완료; key: {key_file}"
        )


def _ticket_path(key_file: Path) -> Path:
    """The federation's ticket (id, schema, server address; no secret) kept beside a member's private key."""
    return key_file.with_name(key_file.stem + ".federation.json")


def _read_ticket(path: Path) -> dict:
    """The ticket `sandan federate join` wrote; a damaged one says to join again."""
    try:
        ticket = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(ticket, dict) and all(k in ticket for k in ("company", "federation", "schema")):
            return ticket
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(
        f"the federation ticket {path} is damaged: run `sandan federate join` again to write a new one",
        f"연합 티켓 {path}이(가) 손상되었습니다: `sandan federate join`을 다시 실행해 새로 만드세요",
        code="bad_ticket",
    )


@federate_app.command("serve")
def federate_serve(
    federation: Annotated[str, typer.Option(help="federation id / 연합 ID")],
    address: Annotated[
        str | None, typer.Option(help="host:port to listen on (default: the federation's) / 대기 주소")
    ] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for the members / 회원사 대기 시간(초)")] = 300,
    min_members: Annotated[
        int | None, typer.Option(help="start with this many (default: all) / 최소 참여사 수")
    ] = None,
) -> None:
    """Operator: run the federation over the network (Flower, TLS, member keys). 운영자: 네트워크 연합 학습 실행."""
    from sandan.learn.federated import service

    settings = load_settings()
    try:
        with _open(settings) as store:
            run = service.serve(
                store,
                federation,
                address,
                wait_s=wait,
                min_members=min_members,
                data_dir=settings.data_dir,
                progress=lambda m: console.print(f"  … {escape(m)}", soft_wrap=True),
            )
    except SandanError as exc:
        _fail(exc)
    console.print(
        f"✓ trained with {', '.join(run['participants'])} ({run['strategy']}, kept round "
        f"{', '.join(map(str, run['rounds'])) or '—'}) / 학습 완료; "
        f"model: {run['model']}",
        soft_wrap=True,
    )
    for company, g in run["companies"].items():
        console.print(
            f"  {company}: federated F1 {g['metrics']['federated']['f1']:.3f} vs own model "
            f"{g['metrics']['local']['f1']:.3f} on {g['n_rows']} held-out rows → "
            f"{'adopt / 채택' if g['adopt'] else 'keep its own / 자체 유지'}"
        )
    for f in run["failures"]:
        console.print(f"  ! {escape(f['company'])}: {escape(f['en'])} / {escape(f['ko'])}", soft_wrap=True)


@federate_app.command("connect")
def federate_connect(
    key_file: Annotated[Path, typer.Option(help="the private key `join` wrote / join이 만든 개인키")],
    ca: Annotated[Path, typer.Option(help="the federation's ca.pem from the operator / 운영자의 CA 인증서")],
    server: Annotated[
        str | None,
        typer.Option(help="host:port of the operator's server (default: the ticket's) / 서버 주소"),
    ] = None,
    days: Annotated[float, typer.Option(help="part records of the last N days / 최근 N일")] = 30,
    wait: Annotated[
        float, typer.Option(help="seconds to keep trying to connect / 접속 재시도 시간(초)")
    ] = 30,
) -> None:
    """Member: take part from this host with its own store; rows never leave it. 회원사: 자기 데이터로 연합 학습 참여."""
    from datetime import UTC, datetime, timedelta

    from sandan.learn.federated import service

    ticket_path = _ticket_path(key_file)
    for needed, what, what_ko in (  # the Korean names with their subject particle
        (key_file, "private key", "개인 키가"),
        (ticket_path, "federation ticket", "연합 티켓이"),
        (ca, "CA certificate", "CA 인증서가"),
    ):
        if not needed.is_file():
            _fail(
                InvalidInput(
                    f"no {what} at {needed}: run `sandan federate join` first (it writes the key and the ticket) "
                    "and ask the operator for ca.pem",
                    f"{needed}에 {what_ko} 없습니다: 먼저 `sandan federate join`을 실행하고(키와 티켓을 만듭니다) "
                    "운영자에게 ca.pem을 받으세요",
                    code="missing_file",
                )
            )
    settings = load_settings()
    end = datetime.now(UTC)
    try:
        _check_days(days)
        ticket = _read_ticket(ticket_path)
        with _open(settings) as store:
            _company_or_fail(store, ticket["company"])
            console.print(f"  … {ticket['company']} connecting to federation {ticket['federation']}")
            rows, held_out = service.connect(
                store,
                ticket,
                key_file.read_bytes(),
                ca.read_bytes(),
                end - timedelta(days=days),
                end,
                address=server,
                max_wait_s=wait,
            )
    except SandanError as exc:
        _fail(exc)
    console.print(
        f"✓ {ticket['company']}: done, trained on {rows} own rows and compared on {held_out} held out "
        "(none left this host) / 참여 완료"
    )


@federate_app.command("status")
def federate_status(
    federation: Annotated[str, typer.Option(help="federation id / 연합 ID")],
    company: Annotated[str | None, typer.Option(help="as this company (default: operator) / 회사 ID")] = None,
) -> None:
    """Status, rounds, participants and gains. 상태, 라운드, 참여사, 성능 향상."""
    from sandan.learn.federated import service

    data_dir = load_settings().data_dir
    try:
        if company:
            with _open(load_settings()) as store:
                _company_or_fail(store, company)
                view = service.federation_for_company(store, company, federation, data_dir=data_dir)
        else:
            view = service.cross_tenant_federation(federation, data_dir=data_dir)
    except SandanError as exc:
        _fail(exc)
    console.print_json(json.dumps(view, ensure_ascii=False, default=str))


@federate_app.command("run")
def federate_run(
    federation: Annotated[str, typer.Option(help="federation id / 연합 ID")],
    days: Annotated[float, typer.Option(help="part records of the last N days / 최근 N일")] = 30,
) -> None:
    """Run in simulation over the members' own data here and record each member's gain. 시뮬레이션 실행."""
    from datetime import UTC, datetime, timedelta

    from sandan.learn.federated import service

    settings = load_settings()
    end = datetime.now(UTC)
    try:
        _check_days(days)
        with _open(settings) as store:
            run = service.run_simulation(
                store,
                federation,
                end - timedelta(days=days),
                end,
                data_dir=settings.data_dir,
                progress=lambda m: console.print(f"  … {m}"),
            )
    except SandanError as exc:
        _fail(exc)
    for company, g in run["companies"].items():
        console.print(
            f"  {company}: federated F1 {g['metrics']['federated']['f1']:.3f} vs local "
            f"{g['metrics']['local']['f1']:.3f} → {'adopt / 채택' if g['adopt'] else 'keep local / 자체 유지'}"
        )
    # a member that sat the run out is named with why (only those who took part were listed)
    for company, why in (run.get("sat_out") or {}).items():
        console.print(
            f"  {escape(company)}: sat this run out — {escape(why['en'])} / 이번 학습에서 빠짐 — {escape(why['ko'])}",
            soft_wrap=True,
        )
