import { TesseraError } from "@tessera/contracts";

/** What a call that must be refused answered, as the gateway would turn it into problem+json. */
export async function refusal(
  call: Promise<unknown>,
): Promise<{ status: number; code: string; detail: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TesseraError)
      return { status: error.status, code: error.code, detail: error.message };
    throw error;
  }
  throw new Error("the call succeeded; a refusal was expected");
}
