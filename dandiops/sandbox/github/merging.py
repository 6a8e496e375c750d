"""What GitHub works out about a pull request and does when one is merged, with git doing every merge.

`compare` is what a pull request shows (commits, changed files, whether it merges and rebases cleanly,
the tree of its test merge); `merge_commit`, `squash_commit` and `rebase_commits` are the three merge
methods. Each writes commits only; moving the base branch is the caller's (a push like any other).
"""

from __future__ import annotations

from dataclasses import dataclass

from dandiops.sandbox.github.git import GitError, GitRepository, Person

METHODS = ("merge", "squash", "rebase")


@dataclass(frozen=True)
class Comparison:
    """A pull request's head against its base, as its page shows it."""

    base_sha: str
    head_sha: str
    commits: int
    changed_files: int
    additions: int
    deletions: int
    merge_tree: str | None  # the three-way merge's tree; None: the branches conflict
    rebaseable: bool

    @property
    def mergeable(self) -> bool:
        return self.merge_tree is not None


def compare(git: GitRepository, base: str, head: str, committer: Person) -> Comparison:
    merge_base = git.merge_base(base, head)
    changes = git.file_changes(merge_base, head) if merge_base else []
    try:
        tree, _ = git.merge_trees(base, head)
    except GitError:
        tree = None  # unrelated histories: nothing to merge from
    rebaseable = tree is not None and rebase_commits(git, base, head, committer) is not None
    return Comparison(
        base_sha=base,
        head_sha=head,
        commits=len(git.commits_between(base, head)),
        changed_files=len(changes),
        additions=sum(change.additions for change in changes),
        deletions=sum(change.deletions for change in changes),
        merge_tree=tree,
        rebaseable=rebaseable,
    )


def merge_commit(git: GitRepository, comparison: Comparison, message: str, author: Person, committer: Person) -> str:
    """A merge commit of head into base (the "Create a merge commit" button)."""
    assert comparison.merge_tree is not None
    return git.write_commit(
        comparison.merge_tree, [comparison.base_sha, comparison.head_sha], message, author, committer
    )


def squash_commit(git: GitRepository, comparison: Comparison, message: str, author: Person, committer: Person) -> str:
    """One commit on base with the merge's files ("Squash and merge")."""
    assert comparison.merge_tree is not None
    return git.write_commit(comparison.merge_tree, [comparison.base_sha], message, author, committer)


def rebase_commits(git: GitRepository, base: str, head: str, committer: Person) -> str | None:
    """Each commit of head that base lacks, replayed onto base as `git rebase` does (merge commits and
    commits that become empty are left out, authors kept, `committer` committing); the last new commit,
    or None when one of them does not apply cleanly ("Rebase and merge")."""
    current = base
    for sha in git.commits_between(base, head, merges=False):
        picked = git.commit(sha)
        assert picked is not None
        if not picked.parents:
            return None
        onto = git.commit(current)
        assert onto is not None
        # A commit with the files replayed so far whose parent is the picked commit's parent: its merge base
        # with the picked commit is that parent, so git's three-way merge applies exactly the picked commit's
        # change to the files replayed so far (what `merge-tree --merge-base` does directly from git 2.40 on).
        stand_in = git.write_commit(onto.tree_sha, picked.parents[:1], "replay", committer, committer)
        tree, _ = git.merge_trees(stand_in, sha)
        if tree is None:
            return None
        if tree == onto.tree_sha:
            continue  # already in base
        current = git.write_commit(tree, [current], picked.message, picked.author, committer)
    return current


def squash_message(git: GitRepository, base: str, head: str) -> str:
    """GitHub's default squash commit message: each squashed commit's message as a list item."""
    messages = []
    for sha in git.commits_between(base, head):
        commit = git.commit(sha)
        assert commit is not None
        messages.append(f"* {commit.message.strip()}")
    return "\n\n".join(messages)
