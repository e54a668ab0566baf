#!/usr/bin/env node
/**
 * The seed's session for autocannon, through its `requests` array: each connection runs login, five page
 * views and a transaction in order, and `onResponse` checks every status. The autocannon CLI has no
 * requests array, so this is the programmatic API; it prints autocannon's result as JSON plus
 * `checkFailures`.
 *
 * Usage: node bench/peers/autocannon-session.mjs URL CONNECTIONS DURATION_S
 */
import autocannon from 'autocannon';

const [url, connections, duration] = process.argv.slice(2);
if (!url || !Number(connections) || !Number(duration)) {
  console.error('usage: autocannon-session.mjs URL CONNECTIONS DURATION_S');
  process.exit(2);
}

let checkFailures = 0;
const expect = (status) => (actual) => {
  if (actual !== status) checkFailures++;
};
const json = { 'content-type': 'application/json' };
const browse = { method: 'GET', path: '/api/data', onResponse: expect(200) };

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(duration),
  requests: [
    {
      method: 'POST',
      path: '/api/login',
      headers: json,
      body: '{"username":"user-1","password":"demo"}',
      onResponse: expect(200),
    },
    browse,
    browse,
    browse,
    browse,
    browse,
    {
      method: 'POST',
      path: '/api/transaction',
      headers: json,
      body: '{"amount":42}',
      onResponse: expect(201),
    },
  ],
});
console.log(JSON.stringify({ ...result, checkFailures }));
