/**
 * A client's own tag on a request, echoed on its reply with the type it came in (a string stays a
 * string, an integer an integer), as JSON-RPC does with its ids: a client that matches replies with
 * `===` must find its own value.
 */
export type RequestId = string | number;
