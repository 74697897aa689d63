/**
 * HTML escaping for text placed in reports and notebook outputs.
 *
 * @module
 */

/** Escapes `& < > "` for use in HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}
