// Run by the compose file's mongo-init service (mongosh): makes the mongo service a replica set of
// one and waits until it is primary, so the services start against a writable store. A member
// that already has its configuration (any later `up`) is left as it is.
const REPLICA_SET = 'rs0';
const MEMBER = 'mongo:27017';

if (!db.hello().setName) {
  rs.initiate({ _id: REPLICA_SET, members: [{ _id: 0, host: MEMBER }] });
}

for (let waited = 0; !db.hello().isWritablePrimary; waited += 500) {
  if (waited >= 60_000) {
    print(`replica set ${REPLICA_SET} has no primary after 60 s`);
    quit(1);
  }
  sleep(500);
}
print(`replica set ${REPLICA_SET} is ready: ${MEMBER} is primary`);
