/**
 * Silences tfjs's "install the node backend" banner, which the cpu backend
 * prints at import time under Deno. Must be imported before any backend; our
 * own one-line notice in `select.ts` replaces it.
 *
 * @module
 */
import { env } from "@tensorflow/tfjs";

env().set("PROD", true);
