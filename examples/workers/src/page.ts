/**
 * The chat page: pick a room, a name and the token, read the room with
 * EventSource, post with fetch. A module string, so the Worker needs no
 * asset configuration.
 *
 * @module
 */
export const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>web-sse chat on a Durable Object</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  form:not([hidden]) { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
  input { padding: .3rem; }
  #log { list-style: none; padding: 0; border-top: 1px solid #ccc; }
  #log li { padding: .2rem 0; border-bottom: 1px solid #eee; }
  #status { color: #666; }
</style>
<h1>Chat</h1>
<form id="join">
  <input id="room" placeholder="room" value="lobby" required pattern="[A-Za-z0-9_-]{1,64}">
  <input id="name" placeholder="your name" required maxlength="40">
  <input id="token" placeholder="token" required type="password">
  <button>Join</button>
</form>
<p id="status">Not connected.</p>
<form id="say" hidden>
  <input id="text" placeholder="message" required maxlength="500" autocomplete="off">
  <button>Send</button>
</form>
<ul id="log"></ul>
<script>
  const $ = (id) => document.getElementById(id);
  for (const id of ["room", "name", "token"]) $(id).value = localStorage.getItem(id) ?? $(id).value;
  let source;
  $("join").addEventListener("submit", (event) => {
    event.preventDefault();
    for (const id of ["room", "name", "token"]) localStorage.setItem(id, $(id).value);
    source?.close();
    $("log").replaceChildren();
    const query = new URLSearchParams({ token: $("token").value });
    source = new EventSource("/rooms/" + $("room").value + "/events?" + query);
    source.addEventListener("open", () => {
      $("status").textContent = "Connected to " + $("room").value + ".";
      $("say").hidden = false;
    });
    source.addEventListener("error", () => {
      // EventSource reconnects by itself with Last-Event-ID; a 403 closes it for good.
      $("status").textContent = source.readyState === EventSource.CLOSED
        ? "Refused (wrong token?)." : "Reconnecting...";
    });
    source.addEventListener("message", (event) => {
      const { name, text } = JSON.parse(event.data);
      const item = document.createElement("li");
      item.textContent = name + ": " + text;
      $("log").append(item);
    });
  });
  $("say").addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ token: $("token").value });
    const response = await fetch("/rooms/" + $("room").value + "/messages?" + query, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: $("name").value, text: $("text").value }),
    });
    if (response.ok) $("text").value = "";
    else $("status").textContent = await response.text();
  });
</script>
</html>
`;
