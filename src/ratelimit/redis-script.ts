/**
 * The Lua port of algorithms.ts, run by Redis in one EVALSHA per batch. Keep it in step with algorithms.ts:
 * the same operations in the same order, so both stores answer alike (a test checks it).
 *
 * KEYS: two per op (k1, k2). fixed: k1 = the window's counter, k2 = k1. sliding: k1 = the current window's
 * counter, k2 = the previous window's. gcra: k1 = the TAT, k2 = k1.
 * ARGV: now (ms), then five per op: algorithm code (f|s|g), limit, window (ms), hits, dry run (1|0).
 * Reply: five integers per op: allowed (1|0), used, remaining, reset (ms), retry after (ms).
 */
export const LIMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local EPS = 1e-6
local out = {}
local n = (#ARGV - 1) / 5
for i = 0, n - 1 do
  local a = 2 + i * 5
  local algo = ARGV[a]
  local limit = tonumber(ARGV[a + 1])
  local w = tonumber(ARGV[a + 2])
  local hits = tonumber(ARGV[a + 3])
  local dry = ARGV[a + 4] == '1'
  local k1 = KEYS[i * 2 + 1]
  local k2 = KEYS[i * 2 + 2]
  local allowed, used, remaining, reset, retry
  if algo == 'g' then
    if limit <= 0 then
      allowed = false; used = 0; remaining = 0; reset = w; retry = w
    else
      local t = w / limit
      local tat = tonumber(redis.call('GET', k1) or '0') or 0
      local base = math.max(tat, now)
      local newTat = base + hits * t
      allowed = newTat - now <= w + EPS
      local eff = base
      if allowed then eff = newTat end
      remaining = math.max(0, math.floor((w - (eff - now)) / t + EPS))
      used = limit - remaining
      reset = math.ceil(eff - now)
      if allowed then
        retry = 0
        if not dry then
          redis.call('SET', k1, string.format('%.17g', newTat), 'PX', math.max(1, math.ceil(newTat - now)))
        end
      elseif hits > limit then
        retry = w
      else
        retry = math.max(1, math.ceil(newTat - w - now))
      end
    end
  else
    local ws = math.floor(now / w) * w
    reset = ws + w - now
    if algo == 'f' then
      local after
      if dry then
        after = (tonumber(redis.call('GET', k1) or '0') or 0) + hits
      else
        after = redis.call('INCRBY', k1, hits)
        if after == hits then redis.call('PEXPIRE', k1, reset + 1000) end
      end
      allowed = after <= limit
      used = after
      remaining = math.max(0, limit - after)
      if allowed then retry = 0 else retry = reset end
    else
      local cur = tonumber(redis.call('GET', k1) or '0') or 0
      local prev = tonumber(redis.call('GET', k2) or '0') or 0
      local elapsed = now - ws
      local est = (prev * (w - elapsed)) / w + cur
      allowed = est + hits <= limit + EPS
      local u = est
      if allowed then
        u = est + hits
        if not dry then
          local v = redis.call('INCRBY', k1, hits)
          if v == hits then redis.call('PEXPIRE', k1, reset + w + 1000) end
        end
      end
      used = math.max(0, math.ceil(u - EPS))
      remaining = math.max(0, math.floor(limit - u + EPS))
      retry = 0
      if not allowed then
        if hits > limit then
          retry = reset + w
        elseif cur + hits <= limit and prev > 0 then
          local need = w * (1 - (limit - cur - hits) / prev)
          retry = math.max(1, math.ceil(ws + need - now))
        else
          local need = 0
          if cur > 0 then need = w * (1 - (limit - hits) / cur) end
          retry = math.ceil(reset + math.max(0, need))
        end
      end
    end
  end
  local base = i * 5
  if allowed then out[base + 1] = 1 else out[base + 1] = 0 end
  out[base + 2] = used
  out[base + 3] = remaining
  out[base + 4] = reset
  out[base + 5] = retry
end
return out
`;

/**
 * Reads counters for the admin API: KEYS are the candidate keys, the reply is two integers per key (value
 * rounded down, or -1 when absent; PTTL).
 */
export const READ_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v then out[#out + 1] = math.floor(tonumber(v) or 0) else out[#out + 1] = -1 end
  out[#out + 1] = redis.call('PTTL', KEYS[i])
end
return out
`;
