// The Kafka baseline in a process of its own (started by kafka-baseline-process.ts), so the
// load generator's heap (hundreds of MB of request bodies) does not slow the bare producer down.
// Protocol on stdout: one `{"measuring":true}` line after the warm-up, then the result as JSON.
import { runKafkaBaseline, type KafkaBaselineOptions } from './kafka-baseline';

const options = JSON.parse(process.argv[2] ?? '{}') as KafkaBaselineOptions;
runKafkaBaseline(options, () => console.log(JSON.stringify({ measuring: true })))
  .then((result) => console.log(JSON.stringify({ result })))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
