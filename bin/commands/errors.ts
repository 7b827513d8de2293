/** An error the user can fix (bad flag, bad policy file): printed as one message, no stack. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}
