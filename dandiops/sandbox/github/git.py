"""A repository's contents as git keeps them: a bare repository on disk, driven with the `git` binary.

Branches, tags, commits, trees and merges are git's own (`merge-tree`, `commit-tree`, `update-ref`);
nothing here writes an object by hand. Objects never change once written, so what is read of one is kept
by its id; the refs are read from git again after every change made through this object, which is the
only writer of its repository. A checkpoint is the refs at a moment: rolling back to it puts them back
and lets git prune every object written since, which nothing reaches any more.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

GIT_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",  # no machine or user configuration changes what git does here
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}
NULL_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git knows it without storing it
CHANGE_STATUS = {"A": "added", "D": "removed", "M": "modified", "T": "changed"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class GitError(Exception):
    """git refused: its exit status and what it said."""

    def __init__(self, args: tuple[str, ...], status: int, stdout: bytes, stderr: str):
        super().__init__(f"git {' '.join(args[:2])} exited {status}: {stderr.strip()}")
        self.status = status
        self.stdout = stdout
        self.stderr = stderr


@dataclass(frozen=True)
class Person:
    """An author or committer: name, email and the moment (ISO 8601, UTC, as GitHub shows it)."""

    name: str
    email: str
    date: str

    def environment(self, role: str) -> dict[str, str]:
        moment = dt.datetime.strptime(self.date, TIME_FORMAT).replace(tzinfo=dt.timezone.utc)
        return {
            f"GIT_{role}_NAME": self.name,
            f"GIT_{role}_EMAIL": self.email,
            f"GIT_{role}_DATE": f"@{int(moment.timestamp())} +0000",
        }


@dataclass(frozen=True)
class Entry:
    mode: str
    kind: str  # blob | tree | commit (a submodule)
    sha: str
    size: int


@dataclass(frozen=True)
class Checkpoint:
    refs: dict[str, str]
    known: tuple[dict, dict, dict, dict]  # what had been read of the objects then (all of them still there)


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # added | removed | modified | changed (its type)
    sha: str  # the file's blob after the change (before it, for a removed file)
    additions: int
    deletions: int


@dataclass(frozen=True)
class Commit:
    sha: str
    tree_sha: str
    parents: list[str]
    author: Person
    committer: Person
    message: str
    repository: "GitRepository" = field(repr=False, compare=False)

    @property
    def tree(self) -> dict[str, bytes]:
        """Every file of the commit: path -> content."""
        return self.repository.files(self.tree_sha)

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


class GitRepository:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.forget()

    @classmethod
    def create(cls, path: Path, default_branch: str) -> "GitRepository":
        """A new, empty repository in `path` (whatever was there before goes)."""
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        _run(["git", "init", "--quiet", "--bare", "--template=", f"--initial-branch={default_branch}", str(path)])
        return cls(path)

    def forget(self) -> None:
        """Drop everything read so far."""
        self._commits: dict[str, Commit] = {}
        self._entries: dict[str, dict[str, Entry]] = {}
        self._blobs: dict[str, bytes] = {}
        self._types: dict[str, str] = {}
        self._refs: dict[str, str] | None = None
        self._written = True  # something may have been written since the last checkpoint

    def __deepcopy__(self, memo: dict) -> "GitRepository":
        return self  # a handle on a folder: copies of what refers to it refer to the same folder

    def checkpoint(self) -> Checkpoint:
        self._written = False
        known = (dict(self._commits), dict(self._entries), dict(self._blobs), dict(self._types))
        return Checkpoint(self.refs(), known)

    def rollback(self, checkpoint: Checkpoint) -> None:
        """The refs as they were at `checkpoint`, and none of the objects written since."""
        if not self._written:
            return
        current = self.refs()
        commands = [f"delete {ref}\n" for ref in current if ref not in checkpoint.refs]
        commands += [f"update {ref} {sha}\n" for ref, sha in checkpoint.refs.items() if current.get(ref) != sha]
        if commands:
            self.git("update-ref", "--no-deref", "--stdin", input="".join(commands).encode())
        self.git("prune", "--expire=now")
        commits, entries, blobs, types = checkpoint.known
        self._commits, self._entries, self._blobs, self._types = dict(commits), dict(entries), dict(blobs), dict(types)
        self._refs, self._written = dict(checkpoint.refs), False

    def git(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
        return _run(["git", f"--git-dir={self.path}", *args], input=input, env=env)

    # --- reading objects ---------------------------------------------------------------------
    def resolve_commit(self, text: str) -> str | None:
        """The commit a full or abbreviated (7 characters or more) object id names, if there is exactly one."""
        if not 7 <= len(text) <= 40 or any(c not in "0123456789abcdef" for c in text.lower()):
            return None
        try:
            found = self.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{text}^{{commit}}")
            return found.decode().strip()
        except GitError:
            return None

    def commit(self, sha: str) -> Commit | None:
        if sha not in self._commits:
            raw = self._object(sha, "commit")
            if raw is None:
                return None
            self._commits[sha] = _parse_commit(sha, raw, self)
        return self._commits[sha]

    def object_type(self, sha: str) -> str | None:
        """commit, tree, blob or tag; None for no object."""
        if sha not in self._types:
            if len(sha) != 40:
                return None
            try:
                self._types[sha] = self.git("cat-file", "-t", sha).decode().strip()
            except GitError:
                return None
        return self._types[sha]

    def entries(self, tree: str) -> dict[str, Entry]:
        """Every path below `tree` (files and folders): path -> entry."""
        if tree not in self._entries:
            listing = self.git("ls-tree", "-r", "-t", "-z", "--long", "--full-tree", tree)
            found = {}
            for item in filter(None, listing.split(b"\0")):
                meta, path = item.split(b"\t", 1)
                mode, kind, sha, size = meta.decode().split()
                found[path.decode()] = Entry(mode, kind, sha, 0 if size == "-" else int(size))
            self._entries[tree] = found
        return self._entries[tree]

    def blob(self, sha: str) -> bytes | None:
        if sha not in self._blobs:
            content = self._object(sha, "blob")
            if content is None:
                return None
            self._blobs[sha] = content
        return self._blobs[sha]

    def files(self, tree: str) -> dict[str, bytes]:
        blobs = {path: entry.sha for path, entry in self.entries(tree).items() if entry.kind == "blob"}
        self._read_blobs([sha for sha in blobs.values() if sha not in self._blobs])
        return {path: self._blobs[sha] for path, sha in blobs.items()}

    def file(self, tree: str, path: str) -> bytes | None:
        entry = self.entries(tree).get(path)
        return None if entry is None or entry.kind != "blob" else self.blob(entry.sha)

    def _object(self, sha: str, kind: str) -> bytes | None:
        if self.object_type(sha) != kind:
            return None
        return self.git("cat-file", kind, sha)

    def _read_blobs(self, shas: list[str]) -> None:
        if not shas:
            return
        output = self.git("cat-file", "--batch", input="".join(f"{sha}\n" for sha in shas).encode())
        offset = 0
        for sha in shas:
            header_end = output.index(b"\n", offset)
            size = int(output[offset:header_end].split()[2])
            start = header_end + 1
            self._blobs[sha] = output[start : start + size]
            offset = start + size + 1

    # --- writing objects -----------------------------------------------------------------------
    def write_blob(self, content: bytes) -> str:
        self._written = True
        sha = self.git("hash-object", "-w", "--stdin", input=content).decode().strip()
        self._blobs[sha] = content
        return sha

    def write_tree(self, base_tree: str | None, changes: Mapping[str, bytes | None]) -> str:
        """A tree: `base_tree` with `changes` applied (None removes a path), through a scratch index."""
        entries = {
            path: None if content is None else ("100644", self.write_blob(content)) for path, content in changes.items()
        }
        return self.write_tree_entries(base_tree, entries)

    def write_tree_entries(self, base_tree: str | None, entries: Mapping[str, tuple[str, str] | None]) -> str:
        """A tree: `base_tree` with each path set to (mode, blob sha), or removed for None."""
        self._written = True
        lines = [
            f"0 {NULL_SHA}\t{path}" if entry is None else f"{entry[0]} {entry[1]}\t{path}"
            for path, entry in entries.items()
        ]
        with tempfile.TemporaryDirectory(prefix="index-", dir=self.path) as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            if base_tree:
                self.git("read-tree", base_tree, env=index)
            else:
                self.git("read-tree", "--empty", env=index)
            self.git("update-index", "--index-info", input="\n".join(lines).encode() + b"\n", env=index)
            return self.git("write-tree", env=index).decode().strip()

    def write_commit(self, tree: str, parents: list[str], message: str, author: Person, committer: Person) -> str:
        self._written = True
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        env = {**author.environment("AUTHOR"), **committer.environment("COMMITTER")}
        return self.git(*args, input=message.encode(), env=env).decode().strip()

    # --- history -------------------------------------------------------------------------------
    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self.git("merge-base", "--is-ancestor", ancestor, descendant)
            return True
        except GitError as exc:
            if exc.status == 1:
                return False
            raise

    def merge_base(self, one: str, other: str) -> str | None:
        try:
            return self.git("merge-base", one, other).decode().strip() or None
        except GitError as exc:
            if exc.status == 1:
                return None  # unrelated histories
            raise

    def commits_between(self, base: str, head: str, *, merges: bool = True) -> list[str]:
        """The commits `head` has and `base` has not, oldest first (`git rev-list base..head`)."""
        args = ["rev-list", "--reverse", "--topo-order"] + ([] if merges else ["--no-merges"])
        return self.git(*args, f"{base}..{head}").decode().split()

    def count_commits(self) -> int:
        """Every commit some ref reaches."""
        refs = list(self.refs().values())
        return int(self.git("rev-list", "--count", *refs).decode().strip()) if refs else 0

    def changed_paths(self, before: str, after: str) -> list[str]:
        output = self.git("diff-tree", "-r", "-z", "--name-only", "--no-renames", before, after)
        return sorted(path.decode() for path in output.split(b"\0") if path)

    def file_changes(self, before: str | None, after: str) -> list[FileChange]:
        """Each file that differs from `before` (a commit or tree; None: nothing) to `after`, with the
        lines added and removed, as `git diff --raw --numstat` counts them (binary files count none)."""
        args = ["diff-tree", "-r", "-z", "--no-renames", before or EMPTY_TREE, after]
        raw = self.git(*args, "--raw").split(b"\0")
        counts = {}
        for line in self.git(*args, "--numstat").split(b"\0"):
            if line:
                added, removed, path = line.decode().split("\t", 2)
                counts[path] = (int(added) if added.isdigit() else 0, int(removed) if removed.isdigit() else 0)
        changes = []
        for meta, path_bytes in zip(raw[0:-1:2], raw[1::2], strict=True):
            _, _, old_sha, new_sha, letter = meta.decode().lstrip(":").split()
            path = path_bytes.decode()
            additions, deletions = counts.get(path, (0, 0))
            sha = old_sha if letter == "D" else new_sha
            changes.append(FileChange(path, CHANGE_STATUS.get(letter, "changed"), sha, additions, deletions))
        return sorted(changes, key=lambda change: change.path)

    def merge_trees(self, ours: str, theirs: str) -> tuple[str | None, list[str]]:
        """git's three-way merge of two commits from their merge base: (tree, []) when it is clean, else
        (None, the conflicting paths)."""
        self._written = True  # git writes the merged trees (and merged files) as it goes
        try:
            output = self.git("merge-tree", "--write-tree", "--name-only", "-z", "--no-messages", ours, theirs)
        except GitError as exc:
            if exc.status != 1:
                raise
            conflicted = exc.stdout.partition(b"\0")[2].split(b"\0\0", 1)[0]
            return None, sorted({path.decode() for path in conflicted.split(b"\0") if path})
        return output.split(b"\0", 1)[0].decode(), []

    # --- refs --------------------------------------------------------------------------------
    def refs(self) -> dict[str, str]:
        if self._refs is None:
            output = self.git("for-each-ref", "--format=%(objectname) %(refname)").decode()
            self._refs = dict(reversed(line.split(" ", 1)) for line in output.splitlines())  # type: ignore[misc]
        return dict(self._refs)

    def ref(self, name: str) -> str | None:
        if self._refs is None:
            self.refs()
        assert self._refs is not None
        return self._refs.get(name)

    def set_ref(self, name: str, sha: str, *, expected: str | None = None) -> None:
        """Point `name` at `sha`; with `expected`, only if it still points there (`NULL_SHA`: does not exist)."""
        self._refs, self._written = None, True
        self.git("update-ref", "--no-deref", name, sha, *([expected] if expected else []))

    def delete_ref(self, name: str) -> None:
        self._refs, self._written = None, True
        self.git("update-ref", "--no-deref", "-d", name)

    def is_valid_ref_name(self, name: str) -> bool:
        try:
            self.git("check-ref-format", name)
            return True
        except GitError:
            return False


def _run(args: list[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    try:
        result = subprocess.run(
            args,
            input=input if input is not None else b"",
            capture_output=True,
            env={**inherited, **GIT_ENVIRONMENT, **(env or {})},
            check=False,
        )
    except FileNotFoundError:
        from dandiops.core.errors import ConfigError

        raise ConfigError(
            "the sandbox's GitHub stand-in keeps its repository with git, which is not installed (no `git` on PATH)",
            hint="install git (https://git-scm.com/downloads) and start the sandbox again",
        ) from None
    if result.returncode != 0:
        raise GitError(tuple(args[1:]), result.returncode, result.stdout, result.stderr.decode(errors="replace"))
    return result.stdout


def _parse_commit(sha: str, raw: bytes, repository: GitRepository) -> Commit:
    header, _, message = raw.decode(errors="replace").partition("\n\n")
    tree, parents, people = "", [], {}
    for line in header.splitlines():
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key in ("author", "committer"):
            people[key] = _parse_person(value)
    return Commit(sha, tree, parents, people["author"], people["committer"], message, repository)


def _parse_person(value: str) -> Person:
    name, _, rest = value.partition(" <")
    email, _, stamp = rest.partition("> ")
    seconds = int(stamp.split()[0])
    return Person(name, email, dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime(TIME_FORMAT))
