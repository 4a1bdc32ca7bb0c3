-- Claude Code's permission decisions on tool calls per day, user, tool and outcome, from the
-- OpenTelemetry logs table (`agentgw setup claude --otel-tables`; agentgw fills in its name
-- after FROM). The usage dashboard's "tool decisions" page reads this text. Parameter: :days
-- (how many days back, today included).
-- Claude Code sends the event with the body 'claude_code.tool_decision' and the attribute
-- event.name = 'tool_decision'; decision is 'accept' or 'reject', source says who decided
-- (config: a settings rule; user_temporary, user_permanent, user_reject: the user; ...).
SELECT
  date_format(timestamp_micros(time_unix_nano DIV 1000), 'yyyy-MM-dd') AS day,
  coalesce(attributes['user.email'], attributes['user.account_uuid'], attributes['user.id'], 'unknown') AS user,
  coalesce(attributes['tool_name'], 'unknown') AS tool,
  coalesce(attributes['decision'], 'unknown') AS decision,
  coalesce(attributes['source'], 'unknown') AS source,
  count(*) AS decisions
FROM {{logs}}
WHERE (attributes['event.name'] = 'tool_decision' OR body = 'claude_code.tool_decision')
  AND time_unix_nano >= unix_micros(CAST(date_sub(current_date(), :days - 1) AS TIMESTAMP)) * 1000
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
