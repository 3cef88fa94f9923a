/**
 * The Lua scripts behind `RedisKeyValueStore`. Redis runs a script as one step (no other command
 * interleaves), which gives "check marker + apply ops + set marker" its atomicity. Redis does not
 * roll a script back when a command fails halfway, so the commit script first *validates* the
 * whole batch against a model of the keys it touches (type, size, the fields/members it reads),
 * the way the batch itself would change them, and only then applies it: a batch that would fail
 * fails before its first write. Validation reads O(1) per op (TYPE, HLEN, HGET, SISMEMBER, ...).
 *
 * Counters follow key-value-store.validation.ts: Redis's integer spelling, within ±(2^53 − 1)
 * (exact in Lua's doubles). Error replies start with a code the adapter maps:
 * WRONGTYPE → 'wrong-type', NOTINTEGER → 'not-an-integer'.
 */

const COUNTER_LUA = `
local SAFE = 9007199254740991
local function counter(s)
  if s == '0' then return 0 end
  if #s > 17 or not string.match(s, '^%-?[1-9]%d*$') then return nil end
  local n = tonumber(s)
  if n > SAFE or n < -SAFE then return nil end
  return n
end
`;

/** Refuses (as WRONGTYPE / NOTINTEGER) to increment KEYS[1] unless it is absent or a counter below the safe range. */
const CHECKED_INCREMENT_LUA = `${COUNTER_LUA}
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'string' then
  return redis.error_reply('WRONGTYPE the key holds a ' .. t .. ', not a string')
end
local current = redis.call('GET', KEYS[1])
local n = 0
if current then
  n = counter(current)
  if n == nil then return redis.error_reply('NOTINTEGER the value is not an integer counter') end
end
if n + 1 > SAFE then return redis.error_reply('NOTINTEGER the counter would leave the safe-integer range') end
`;

/**
 * KEYS[1]: the counter. Returns the incremented value; TYPE is checked first so a wrong type is
 * reported as WRONGTYPE rather than as a script failure.
 */
export const INCR_SCRIPT = `${CHECKED_INCREMENT_LUA}return redis.call('INCR', KEYS[1])
`;

/**
 * KEYS[1]: the counter; ARGV[1]: the TTL in ms for a counter that has none. Returns
 * { new value, ms left }. INCR keeps an existing TTL; PTTL is -1 exactly when there is none
 * (a new counter, or one set without a TTL), and only then is PEXPIRE applied.
 */
export const INCR_WITH_TTL_SCRIPT = `${CHECKED_INCREMENT_LUA}local value = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { value, left }
`;

/**
 * KEYS: every distinct key of the batch; KEYS[1] is the marker when ARGV[1] ~= ''.
 * ARGV[1]: '' (no marker), '0' (marker without TTL) or the marker TTL in ms.
 * ARGV[2..]: the ops, each as: name, key index (into KEYS), argument count, arguments...
 *   set: value [ttlMs] · delete: - · hashSet: field value · hashDelete: field
 *   hashIncrBy: field by · setAdd / setRemove: members... · listPush: values...
 * Returns 0 when the marker existed (nothing done), 1 when the batch was applied.
 */
export const COMMIT_SCRIPT = `${COUNTER_LUA}
local markerTtl = ARGV[1]
if markerTtl ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end

local ops = {}
local i = 2
while i <= #ARGV do
  local argc = tonumber(ARGV[i + 2])
  ops[#ops + 1] = { name = ARGV[i], k = tonumber(ARGV[i + 1]), a = i + 3, argc = argc }
  i = i + 3 + argc
end

-- Model of each touched key as the batch leaves it: kind (t), size (n), and the fields or
-- members already looked at (known: field -> value or false; member -> true or false).
-- fresh: the batch replaced the key, so Redis's current content no longer counts.
local views = {}
local function view(k)
  local v = views[k]
  if v == nil then
    local key = KEYS[k]
    local t = redis.call('TYPE', key)['ok']
    local n = 0
    if t == 'hash' then n = redis.call('HLEN', key)
    elseif t == 'set' then n = redis.call('SCARD', key)
    elseif t == 'list' then n = redis.call('LLEN', key) end
    v = { t = t, n = n, known = {}, fresh = false }
    views[k] = v
  end
  return v
end
local function reset(v, t)
  v.t = t; v.n = 0; v.known = {}; v.fresh = true
end
local function field(k, v, f)
  local x = v.known[f]
  if x == nil then
    if v.fresh or v.t ~= 'hash' then x = false else x = redis.call('HGET', KEYS[k], f) end
    v.known[f] = x
  end
  return x
end
local function member(k, v, m)
  local x = v.known[m]
  if x == nil then
    if v.fresh or v.t ~= 'set' then x = false else x = redis.call('SISMEMBER', KEYS[k], m) == 1 end
    v.known[m] = x
  end
  return x
end

local function validate()
  for idx, op in ipairs(ops) do
    local v = view(op.k)
    local a = op.a
    local where = 'ops[' .. (idx - 1) .. '] (' .. op.name .. ')'
    local function wrongType(want)
      return 'WRONGTYPE ' .. where .. ': the key holds a ' .. v.t .. ', not a ' .. want .. '; nothing was written'
    end
    if op.name == 'set' then
      reset(v, 'string')
    elseif op.name == 'delete' then
      reset(v, 'none')
    elseif op.name == 'hashSet' or op.name == 'hashDelete' or op.name == 'hashIncrBy' then
      if v.t ~= 'none' and v.t ~= 'hash' then return wrongType('hash') end
      local f = ARGV[a]
      if op.name == 'hashSet' then
        if v.t == 'none' then reset(v, 'hash') end
        if not field(op.k, v, f) then v.n = v.n + 1 end
        v.known[f] = ARGV[a + 1]
      elseif op.name == 'hashDelete' then
        if v.t == 'hash' and field(op.k, v, f) then
          v.known[f] = false
          v.n = v.n - 1
          if v.n == 0 then reset(v, 'none') end
        end
      else
        if v.t == 'none' then reset(v, 'hash') end
        local current = field(op.k, v, f)
        local n = 0
        if current then
          n = counter(current)
          if n == nil then
            return 'NOTINTEGER ' .. where .. ': the hash field is not an integer counter; nothing was written'
          end
        else
          v.n = v.n + 1
        end
        local sum = n + tonumber(ARGV[a + 1])
        if sum > SAFE or sum < -SAFE then
          return 'NOTINTEGER ' .. where .. ': the counter would leave the safe-integer range; nothing was written'
        end
        v.known[f] = string.format('%.0f', sum)
      end
    elseif op.name == 'setAdd' or op.name == 'setRemove' then
      if v.t ~= 'none' and v.t ~= 'set' then return wrongType('set') end
      if op.name == 'setAdd' then
        if v.t == 'none' then reset(v, 'set') end
        for j = a, a + op.argc - 1 do
          if not member(op.k, v, ARGV[j]) then
            v.known[ARGV[j]] = true
            v.n = v.n + 1
          end
        end
      elseif v.t == 'set' then
        for j = a, a + op.argc - 1 do
          if member(op.k, v, ARGV[j]) then
            v.known[ARGV[j]] = false
            v.n = v.n - 1
          end
        end
        if v.n == 0 then reset(v, 'none') end
      end
    elseif op.name == 'listPush' then
      if v.t ~= 'none' and v.t ~= 'list' then return wrongType('list') end
      if v.t == 'none' then reset(v, 'list') end
      v.n = v.n + op.argc
    else
      return 'ERR ' .. where .. ': unknown op; nothing was written'
    end
  end
  return nil
end

local problem = validate()
if problem then return redis.error_reply(problem) end

-- unpack() is bounded by Lua's C stack: pass long member lists in slices.
local function variadic(command, key, a, argc)
  local last = a + argc - 1
  for from = a, last, 1000 do
    redis.call(command, key, unpack(ARGV, from, math.min(from + 999, last)))
  end
end

for _, op in ipairs(ops) do
  local key = KEYS[op.k]
  local a = op.a
  if op.name == 'set' then
    if op.argc == 2 then redis.call('SET', key, ARGV[a], 'PX', ARGV[a + 1])
    else redis.call('SET', key, ARGV[a]) end
  elseif op.name == 'delete' then redis.call('DEL', key)
  elseif op.name == 'hashSet' then redis.call('HSET', key, ARGV[a], ARGV[a + 1])
  elseif op.name == 'hashDelete' then redis.call('HDEL', key, ARGV[a])
  elseif op.name == 'hashIncrBy' then redis.call('HINCRBY', key, ARGV[a], ARGV[a + 1])
  elseif op.name == 'setAdd' then variadic('SADD', key, a, op.argc)
  elseif op.name == 'setRemove' then variadic('SREM', key, a, op.argc)
  elseif op.name == 'listPush' then variadic('RPUSH', key, a, op.argc)
  end
end

if markerTtl == '0' then redis.call('SET', KEYS[1], '1')
elseif markerTtl ~= '' then redis.call('SET', KEYS[1], '1', 'PX', markerTtl) end
return 1
`;
