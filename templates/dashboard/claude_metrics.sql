-- Claude Code's own counters per day, user and model, from the OpenTelemetry metrics table
-- (`agentgw setup claude --otel-tables`; agentgw fills in its name after FROM). The usage
-- dashboard's "Claude Code" pages read this text. Parameter: :days (how many days back, today
-- included). The sums assume delta temporality, which setup asks Claude Code for.
-- The cost and token sums are the ones `agentgw usage --source otel` runs (a test keeps them equal).
SELECT
  date_format(timestamp_micros(`sum`.time_unix_nano DIV 1000), 'yyyy-MM-dd') AS day,
  coalesce(`sum`.attributes['user.email'], `sum`.attributes['user.account_uuid'], `sum`.attributes['user.id'], 'unknown') AS user,
  coalesce(`sum`.attributes['model'], 'unknown') AS model,
  SUM(CASE WHEN name = 'claude_code.session.count' THEN `sum`.value ELSE 0 END) AS sessions,
  SUM(CASE WHEN name = 'claude_code.cost.usage' THEN `sum`.value ELSE 0 END) AS cost_usd,
  SUM(CASE WHEN name = 'claude_code.token.usage' THEN `sum`.value ELSE 0 END) AS tokens,
  SUM(CASE WHEN name = 'claude_code.lines_of_code.count' AND `sum`.attributes['type'] = 'added' THEN `sum`.value ELSE 0 END) AS lines_added,
  SUM(CASE WHEN name = 'claude_code.lines_of_code.count' AND `sum`.attributes['type'] = 'removed' THEN `sum`.value ELSE 0 END) AS lines_removed,
  SUM(CASE WHEN name = 'claude_code.commit.count' THEN `sum`.value ELSE 0 END) AS commits,
  SUM(CASE WHEN name = 'claude_code.pull_request.count' THEN `sum`.value ELSE 0 END) AS pull_requests
FROM {{metrics}}
WHERE name IN ('claude_code.session.count', 'claude_code.cost.usage', 'claude_code.token.usage', 'claude_code.lines_of_code.count', 'claude_code.commit.count', 'claude_code.pull_request.count')
  AND `sum`.time_unix_nano >= unix_micros(CAST(date_sub(current_date(), :days - 1) AS TIMESTAMP)) * 1000
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
