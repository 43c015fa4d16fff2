export {
  createKysely,
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
  testNamespace,
} from "./database.ts";
