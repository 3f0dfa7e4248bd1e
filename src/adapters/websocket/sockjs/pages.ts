import { createHash } from 'node:crypto';

/**
 * The page the iframe-based transports load from the server's own origin (sockjs-protocol: the body is
 * fixed but for the client script's URL). Cross-origin clients only; the script comes from `sockjsUrl`.
 */
export const iframePage = (sockjsUrl: string): { readonly html: string; readonly etag: string } => {
  const html = `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script>
    document.domain = document.domain;
    _sockjs_onload = function(){SockJS.bootstrap_iframe();};
  </script>
  <script src="${sockjsUrl.replace(/"/g, '&quot;')}"></script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
  return { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"` };
};

/**
 * The start of an htmlfile stream: a page that hands each `p("frame")` script to the parent's callback.
 * Padded past 1 KiB, as some browsers render nothing of a stream before that.
 */
export const htmlfilePrelude = (callback: string): string => {
  const head = `<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.${callback};
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>`;
  return `${head}${' '.repeat(Math.max(0, 1025 - head.length))}\r\n\r\n`;
};

/** A JSONP or htmlfile callback name: a JavaScript path, nothing that could inject script. */
export const CALLBACK = /^[a-zA-Z0-9_.-]{1,64}$/;
