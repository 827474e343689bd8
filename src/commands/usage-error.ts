// A mistake in how the command was called: reported in one line, exit 64. Its own module, so the
// entry point can recognise it without loading any command.

/** A mistake in how the command was called (exit 64). */
export class UsageError extends Error {
  override name = 'UsageError';
}
