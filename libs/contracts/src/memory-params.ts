import { z } from "zod";

/** Path parameters shared by the memory operations and their routes (internal to the contracts). */
export const ProjectParams = z.strictObject({ projectId: z.uuid() });
export const MemoryParams = z.strictObject({ projectId: z.uuid(), memoryId: z.uuid() });
export const CollectionParams = z.strictObject({ projectId: z.uuid(), collectionId: z.uuid() });
