-- Requests and tokens through the AI Gateway per day, agent, model and user, from the gateway's
-- own usage table. `agentgw usage` runs this text as it is, and the usage dashboard's dataset is
-- this text too. Parameters: :days (how many days back, today included) and :users ('me' for
-- the current user's requests, 'all' for everyone's).
-- The agent is read from the User-Agent each agent sends; the first pattern that matches wins.
-- Gemini CLI's User-Agent carries a model name and Codex's the terminal's name, so Gemini comes
-- first and the names tried before Codex are precise ('claude-cli/', 'opencode/'). A space is put
-- before the User-Agent so that ' pi/' matches Pi's own name only (not 'api/').
SELECT
  date_format(event_time, 'yyyy-MM-dd') AS day,
  CASE
    WHEN concat(' ', lower(user_agent)) LIKE '%geminicli%' THEN 'gemini'
    WHEN concat(' ', lower(user_agent)) LIKE '%claude-cli/%' THEN 'claude'
    WHEN concat(' ', lower(user_agent)) LIKE '%opencode/%' THEN 'opencode'
    WHEN concat(' ', lower(user_agent)) LIKE '%codex%' THEN 'codex'
    WHEN concat(' ', lower(user_agent)) LIKE '%copilot%' THEN 'copilot'
    WHEN concat(' ', lower(user_agent)) LIKE '% pi/%' THEN 'pi'
    WHEN concat(' ', lower(user_agent)) LIKE '%cursor%' THEN 'cursor'
    ELSE 'other'
  END AS agent,
  coalesce(destination_model, 'unknown') AS model,
  requester AS user,
  count(*) AS requests,
  sum(coalesce(input_tokens, 0)) AS input_tokens,
  sum(coalesce(output_tokens, 0)) AS output_tokens,
  sum(coalesce(token_details.cache_read_input_tokens, 0)) AS cached_tokens,
  max(current_date()) AS today
FROM system.ai_gateway.usage
WHERE event_time >= date_sub(current_date(), :days - 1)
  AND (:users = 'all' OR requester = current_user())
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
