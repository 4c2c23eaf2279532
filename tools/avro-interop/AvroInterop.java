import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Apache Avro (Java) as an independent witness of Tessera's wire format: the contracts' TypeScript
 * codec must agree with it on fingerprints and on single-object encoded bytes.
 *
 * <p>Run as a single-file program (Java 17+):
 *
 * <pre>
 *   java -cp "$HOME/.cache/tessera-infra/avro-interop/libs/*" tools/avro-interop/AvroInterop.java fingerprint schema.avsc...
 *   java -cp ... AvroInterop.java decode schema.avsc record.bin
 *   java -cp ... AvroInterop.java encode schema.avsc record.json record.bin
 * </pre>
 */
public class AvroInterop {
  // Java 17 writes stdout in the locale's charset, which mangles non-ASCII text under LANG=C.
  private static final PrintStream OUT =
      new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      usage();
    }
    switch (args[0]) {
      case "fingerprint" -> {
        for (int i = 1; i < args.length; i++) {
          fingerprint(parse(args[i]));
        }
      }
      case "decode" -> {
        requireArgs(args, 3);
        decode(parse(args[1]), Path.of(args[2]));
      }
      case "encode" -> {
        requireArgs(args, 4);
        encode(parse(args[1]), Path.of(args[2]), Path.of(args[3]));
      }
      default -> usage();
    }
  }

  /** Prints the CRC-64-AVRO fingerprint as 16 unsigned hex digits, a tab, then the canonical form. */
  private static void fingerprint(Schema schema) {
    long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    String canonical = SchemaNormalization.toParsingForm(schema);
    OUT.println(String.format("%016x", fingerprint) + "\t" + canonical);
  }

  /** Reads one single-object encoded record and prints it with GenericData's JSON-like toString. */
  private static void decode(Schema schema, Path input) throws IOException {
    BinaryMessageDecoder<GenericRecord> decoder =
        new BinaryMessageDecoder<>(GenericData.get(), schema);
    GenericRecord record = decoder.decode(ByteBuffer.wrap(Files.readAllBytes(input)));
    OUT.println(GenericData.get().toString(record));
  }

  /** Reads a record in Avro's JSON encoding and writes it single-object encoded. */
  private static void encode(Schema schema, Path json, Path output) throws IOException {
    String text = Files.readString(json, StandardCharsets.UTF_8);
    GenericRecord record =
        new GenericDatumReader<GenericRecord>(schema)
            .read(null, DecoderFactory.get().jsonDecoder(schema, text));
    BinaryMessageEncoder<GenericRecord> encoder =
        new BinaryMessageEncoder<>(GenericData.get(), schema);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    encoder.encode(record, out);
    Files.write(output, out.toByteArray());
  }

  private static Schema parse(String file) throws IOException {
    return new Schema.Parser().parse(new File(file));
  }

  private static void requireArgs(String[] args, int count) {
    if (args.length != count) {
      usage();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: AvroInterop fingerprint <schema.avsc>...\n"
            + "       AvroInterop decode <schema.avsc> <single-object.bin>\n"
            + "       AvroInterop encode <schema.avsc> <record.json> <single-object.bin>");
    System.exit(2);
  }
}
