/**
 * The Lua scripts that make each step atomic on the Redis server.
 *
 * Numbers leave Lua through `string.format("%d", n)`: `tostring` turns
 * integers above 1e14 into scientific notation.
 *
 * @module
 */

/** One script: its text and the SHA-1 that EVALSHA names it by. */
export interface Script {
  readonly name: string;
  readonly text: string;
}

// Shared prologue: the epoch, checked against what the calling instance knows,
// and number formatting. ARGV[1..5]: candidate epoch, key base, the server's
// run id as the instance last saw it, the instance's epoch, the highest seq
// the instance has seen in that epoch. A script's own arguments follow.
//
// A Redis that came back with less than it acknowledged (restored from an
// older snapshot, a replica promoted before it caught up, an evicted counter)
// must never hand out a seq twice. So a new epoch starts when the epoch has no
// counter, when the instance has seen a seq above the counter, or (ENSURE
// only, which reads the run id from INFO itself) when the server is not the
// one that last checked the epoch (a restart, a failover) and cannot be
// trusted to have kept every write: trusted is an append-only file with
// appendfsync always (ARGV[6] "1": the instance read it with CONFIG GET,
// which scripts may not call) on a server that was not promoted from replica.
// The other scripts answer {'!recheck'} on a run id they do not know, so the
// instance runs ENSURE before it goes on: an instance that slept through a
// restart cannot append under a restored counter.
const PROLOGUE = (ensure: boolean) => `
local base = ARGV[2]
${
  ensure
    ? `local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or ''
local aof = string.match(redis.call('INFO', 'persistence'), 'aof_enabled:(%d)') == '1'
local replid2 = string.match(redis.call('INFO', 'replication'), 'master_replid2:(%x+)') or '0'
local trusted = ARGV[6] == '1' and aof and not string.find(replid2, '[^0]')`
    : "local run = ARGV[3]"
}
local runKey = base .. 'run'
local function fmt(n) return string.format('%d', n) end
local epoch = redis.call('GET', KEYS[1])
local lost = false
if epoch then
  local counter = redis.call('GET', base .. epoch .. ':seq')
  if not counter then
    lost = true
  elseif epoch == ARGV[4] and tonumber(ARGV[5]) > tonumber(counter) then
    lost = true
  elseif redis.call('GET', runKey) ~= run then
    ${ensure ? "if trusted then redis.call('SET', runKey, run) else lost = true end" : "return {'!recheck'}"}
  end
end
if lost then
  -- What is left of the old epoch can no longer be replayed: free it.
  local old = base .. epoch .. ':'
  for _, name in ipairs(redis.call('ZRANGE', old .. 'topics', 0, -1)) do
    redis.call('DEL', old .. 't:' .. name, old .. 's:' .. name)
  end
  redis.call('DEL', old .. 'live', old .. 'seq', old .. 'floor', old .. 'topics')
end
if lost or not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', runKey, run)
  redis.call('SET', base .. epoch .. ':seq', '0')
end
-- Every other key lives under the epoch: a new epoch starts from nothing even
-- when Redis lost only some keys.
local ns = base .. epoch .. ':'
`;

/** The number of ARGV entries the prologue takes: a script's own start at ARGV[ARGS + 1]. */
export const PROLOGUE_ARGS = 5;

/**
 * Returns `{epoch, head, time, run}` (time: Redis's clock in ms; run: the
 * server's run id), creating the epoch if Redis has none or lost what it
 * acknowledged.
 *
 * KEYS: epoch. ARGV: the prologue's five, then "1" when the server's
 * appendfsync is "always".
 */
export const ENSURE: Script = {
  name: "ensure",
  text: `${PROLOGUE(true)}
local t = redis.call('TIME')
return {epoch, redis.call('GET', ns .. 'seq') or '0', fmt(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), run}
`,
};

/**
 * Appends one record: the next seq (INCR, so ids never repeat across topics),
 * `prev` from the topic's state, the record on the epoch's live stream
 * (trimmed to about maxLen) and on the topic's stream (trimmed to exactly
 * `history`), then evicts topics idle past historyTtl or beyond maxTopics,
 * raising the floor to their last seq. Returns `{epoch}` alone when the topic
 * has ended (nothing appended), `{epoch, 'late'}` when it runs after its
 * deadline (nothing appended: its caller has given up on it, see
 * `RedisBackend.append`), else `{epoch, seq, prev, time}`.
 *
 * KEYS: epoch. ARGV: the prologue's five, encoded topic, body, end
 * ("1"/"0"), history, historyTtl, maxLen, maxTopics, deadline (ms on Redis's
 * clock).
 */
export const APPEND: Script = {
  name: "append",
  text: `${PROLOGUE(false)}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[13]) then return {epoch, 'late'} end
local topic, body, e = ARGV[6], ARGV[7], ARGV[8]
local seqKey, floorKey, topicsKey = ns .. 'seq', ns .. 'floor', ns .. 'topics'
local stream, state = ns .. 't:' .. topic, ns .. 's:' .. topic
if redis.call('HEXISTS', state, 'ended') == 1 then return {epoch} end
-- INCR is the script's first write in this epoch: a Redis out of memory
-- refuses it before anything else is written, so seqs stay contiguous.
local seq = redis.call('INCR', seqKey)
-- Topics are ranked by the microsecond of their last append (about 1.7e15: exact
-- in a double), fine enough that two appends never tie.
local rank = fmt(tonumber(t[1]) * 1000000 + tonumber(t[2]))
local floor = tonumber(redis.call('GET', floorKey) or '0')
local last = redis.call('HGET', state, 'last')
local prev = floor
if last then
  prev = tonumber(last)
elseif redis.call('EXISTS', stream) == 1 then
  -- The topic's records are here but its state is gone (an allkeys-* eviction):
  -- its true prev is unknown, so claim the newest possible one; a client behind takes the gap path.
  prev = seq - 1
end
local id = fmt(seq) .. '-0'
local sprev, snow = fmt(prev), fmt(now)
redis.call('XADD', ns .. 'live', 'MAXLEN', '~', ARGV[11], id,
  't', topic, 'p', sprev, 'm', snow, 'e', e, 'b', body)
if tonumber(ARGV[9]) > 0 then
  redis.call('XADD', stream, 'MAXLEN', ARGV[9], id, 'p', sprev, 'm', snow, 'e', e, 'b', body)
end
if e == '1' then
  redis.call('HSET', state, 'last', fmt(seq), 'ended', fmt(seq))
else
  redis.call('HSET', state, 'last', fmt(seq))
end
redis.call('ZADD', topicsKey, rank, topic)
local newFloor = floor
local function evict(name)
  local l = redis.call('HGET', ns .. 's:' .. name, 'last')
  if l and tonumber(l) > newFloor then newFloor = tonumber(l) end
  redis.call('DEL', ns .. 't:' .. name, ns .. 's:' .. name)
  redis.call('ZREM', topicsKey, name)
end
-- A few evictions per append at most: the script stays short, and every append
-- makes room for itself, so the bound holds.
local ttl = tonumber(ARGV[10])
if ttl > 0 then
  local idle = redis.call('ZRANGEBYSCORE', topicsKey, '-inf', '(' .. fmt((now - ttl) * 1000), 'LIMIT', 0, 8)
  for _, name in ipairs(idle) do evict(name) end
end
local over = redis.call('ZCARD', topicsKey) - tonumber(ARGV[12])
local k = 0
while over > 0 and k < 8 do
  local oldest = redis.call('ZRANGE', topicsKey, 0, 0)
  if oldest[1] == topic then break end
  evict(oldest[1])
  over = over - 1
  k = k + 1
end
if newFloor > floor then redis.call('SET', floorKey, fmt(newFloor)) end
return {epoch, fmt(seq), sprev, snow}
`,
};

/**
 * Reads several topics in one atomic step: `{epoch, head, floor, then per
 * topic: last, ended, entries}` with entries from the given id on.
 *
 * KEYS: epoch. ARGV: the prologue's five, the first id to read
 * ("<after + 1>-0"), then the encoded topic names.
 */
export const READ: Script = {
  name: "read",
  text: `${PROLOGUE(false)}
local out = {epoch, redis.call('GET', ns .. 'seq') or '0', redis.call('GET', ns .. 'floor') or '0'}
for i = 7, #ARGV do
  local st = redis.call('HMGET', ns .. 's:' .. ARGV[i], 'last', 'ended')
  out[#out + 1] = st[1] or '0'
  out[#out + 1] = st[2] or '0'
  out[#out + 1] = redis.call('XRANGE', ns .. 't:' .. ARGV[i], ARGV[6], '+')
end
return out
`,
};
