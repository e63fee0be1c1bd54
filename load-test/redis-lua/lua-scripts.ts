import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';

/**
 * The Lua scripts of the Redis + Lua reference. Each runs atomically in Redis (EVALSHA): no other
 * command interleaves with it, which is the whole concurrency story of this design. Every key a
 * script touches is passed in KEYS.
 *
 * A section is one hash (capacity, held, sold, ttl, max, swept); its holds are entries of one
 * stream, whose entry id (`<ms>-<seq>`, Redis's clock) is the hold's creation time. Stream entries
 * list their fields in a fixed order, so scripts read them by position:
 * hold `t h r <tag> c <customerId> q <quantity>`, purchase `t p h <holdId> o <orderId>`,
 * expiry `t x h <holdId>`.
 */

/**
 * KEYS: event, section index, section 1..n. ARGV: event JSON, ttl, max seats per hold,
 * capacity 1..n, index member 1..n. Returns 0 if the event exists, 1 once created.
 */
export const CREATE_EVENT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
for i = 3, #KEYS do
  redis.call('HSET', KEYS[i], 'capacity', ARGV[i + 1], 'held', 0, 'sold', 0,
    'ttl', ARGV[2], 'max', ARGV[3], 'swept', '0-0')
  redis.call('SADD', KEYS[2], ARGV[#ARGV - #KEYS + i])
end
return 1`;

/**
 * The hold, the path the benchmark measures. KEYS: section, stream. ARGV: quantity, customer id,
 * tag (random, makes the hold id unguessable and unique across sections).
 * Returns {'OK', entry id, ttl} | {'NOT_ENOUGH_SEATS', available} | {'TOO_MANY', max} | {'NO_SECTION'}.
 */
export const HOLD_LUA = `
local s = redis.call('HMGET', KEYS[1], 'capacity', 'held', 'sold', 'max', 'ttl')
if not s[1] then return {'NO_SECTION'} end
local q = tonumber(ARGV[1])
if q > tonumber(s[4]) then return {'TOO_MANY', tonumber(s[4])} end
local available = tonumber(s[1]) - tonumber(s[2]) - tonumber(s[3])
if q > available then return {'NOT_ENOUGH_SEATS', available} end
redis.call('HINCRBY', KEYS[1], 'held', q)
local id = redis.call('XADD', KEYS[2], '*', 't', 'h', 'r', ARGV[3], 'c', ARGV[2], 'q', q)
return {'OK', id, tonumber(s[5])}`;

/**
 * KEYS: section, stream, purchased. ARGV: hold id, entry id, tag, new order id, now (ms).
 * Returns {'CREATED' | 'AGAIN', '<orderId> <purchasedAt>', customer, quantity} | {'EXPIRED'} |
 * {'NOT_FOUND'}. An overdue hold is left to the sweeper, which gives its seats back.
 */
export const PURCHASE_LUA = `
local e = redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])
local f = e[1] and e[1][2]
if not f or f[2] ~= 'h' or f[4] ~= ARGV[3] then return {'NOT_FOUND'} end
local done = redis.call('HGET', KEYS[3], ARGV[1])
if done then return {'AGAIN', done, f[6], f[8]} end
local ms = tonumber(string.match(ARGV[2], '^(%d+)'))
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl'))
if ms + ttl * 1000 <= tonumber(ARGV[5]) then return {'EXPIRED'} end
local q = tonumber(f[8])
redis.call('HINCRBY', KEYS[1], 'held', -q)
redis.call('HINCRBY', KEYS[1], 'sold', q)
local order = ARGV[4] .. ' ' .. ARGV[5]
redis.call('HSET', KEYS[3], ARGV[1], order)
redis.call('XADD', KEYS[2], '*', 't', 'p', 'h', ARGV[1], 'o', ARGV[4])
return {'CREATED', order, f[6], f[8]}`;

/**
 * The sweeper: gives back the seats of holds created more than ttl ago and not purchased, at
 * most ARGV[2] of them, from the section's cursor on. KEYS: section, stream, purchased.
 * ARGV: now (ms), limit. Returns {expired, entries read}.
 */
export const EXPIRE_LUA = `
local s = redis.call('HMGET', KEYS[1], 'ttl', 'swept')
if not s[1] then return {0, 0} end
local upto = tonumber(ARGV[1]) - tonumber(s[1]) * 1000
if upto < 0 then return {0, 0} end
local entries = redis.call('XRANGE', KEYS[2], '(' .. s[2], string.format('%d', upto), 'COUNT', ARGV[2])
local expired = 0
for _, entry in ipairs(entries) do
  local f = entry[2]
  if f[2] == 'h' then
    local holdId = entry[1] .. '-' .. f[4]
    if redis.call('HEXISTS', KEYS[3], holdId) == 0 then
      redis.call('HINCRBY', KEYS[1], 'held', -tonumber(f[8]))
      redis.call('XADD', KEYS[2], '*', 't', 'x', 'h', holdId)
      expired = expired + 1
    end
  end
end
if #entries > 0 then redis.call('HSET', KEYS[1], 'swept', entries[#entries][1]) end
return {expired, #entries}`;

export const SCRIPTS = {
  createEvent: new LuaScript('create-event', CREATE_EVENT_LUA),
  hold: new LuaScript('hold', HOLD_LUA),
  purchase: new LuaScript('purchase', PURCHASE_LUA),
  expire: new LuaScript('expire', EXPIRE_LUA),
};

/** Sends every script to Redis once, so the hot path is `EVALSHA` from the first request. */
export async function loadScripts(redis: Redis): Promise<void> {
  for (const script of Object.values(SCRIPTS)) await script.load(redis);
}
