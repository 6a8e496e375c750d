"""`init --dry-run --format mermaid`: the operator's own clone as a diagram, each part marked."""

from __future__ import annotations

import re


def test_dry_run_draws_the_environment_with_each_part_marked(cli, heroku_state):
    result = cli("init", "-e", "staging", "--dry-run", "--format", "mermaid", "--non-interactive")
    assert result.exit_code in (0, 6), result
    text = result.stdout
    assert text.startswith("flowchart LR\n")
    assert '["✓ dandi-sandbox-api-staging (Django API)"]:::done' in text
    assert re.search(r'step\d+\["[✓…✋✗] \d+\. credentials"\]:::\w+', text)
    assert "classDef done" in text
    assert heroku_state.writes() == []


def test_a_format_init_does_not_know_or_with_json_is_a_usage_error(cli, heroku_state):
    unknown = cli("init", "-e", "staging", "--dry-run", "--format", "svg")
    assert unknown.exit_code == 2 and "unknown --format 'svg'" in unknown.stderr
    both = cli("init", "-e", "staging", "--dry-run", "--format", "mermaid", "--json")
    assert both.exit_code == 2 and "pass one of them" in both.stderr
    assert heroku_state.requests == []
