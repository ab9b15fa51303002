// The practical limit for fan-out: a Worker that only makes the outbound
// POSTs. `POST /?url=<receiver>&n=<count>` answers at once and sends the
// request body to the receiver `count` times in the background.
export default {
  async fetch(request, env, ctx) {
    const params = new URL(request.url).searchParams;
    const url = params.get('url');
    if (!url) return new Response('ready');
    const n = Number(params.get('n'));
    const body = await request.text();
    const sends = [];
    for (let i = 0; i < n; i += 1) {
      sends.push(fetch(`${url}/${i}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
        .then((r) => r.arrayBuffer()));
    }
    ctx.waitUntil(Promise.all(sends));
    return new Response('sent');
  },
};
