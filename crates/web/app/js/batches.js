// Ids in batches of a request each. Pure.

/** Ids one Email/set changes at most (the server's maxObjectsInSet is 500 or more). */
export const SET_CHUNK = 250;

/** @param {string[]} ids @returns {string[][]} */
export function chunks(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += SET_CHUNK) {
    out.push(ids.slice(i, i + SET_CHUNK));
  }
  return out;
}
