import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 JSON files with the HAPI FHIR instance validator (HL7's validator core), offline: the
 * R4 core profiles and value sets shipped in the jars, in-memory terminology, the common code systems
 * (UCUM, MIME types, languages, countries). Code systems it does not hold (LOINC, our own) are warnings.
 *
 * Usage: java FhirConformanceRunner DIR. Every *.json file under DIR is validated in this one process;
 * each result is one line of JSON on stdout: {"file": ..., "issues": [{"severity", "location", "message"}]}.
 */
public final class FhirConformanceRunner {
  private FhirConformanceRunner() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: FhirConformanceRunner DIR");
      System.exit(2);
    }
    FhirContext ctx = FhirContext.forR4();
    UnknownCodeSystemWarningValidationSupport unknownSystems = new UnknownCodeSystemWarningValidationSupport(ctx);
    unknownSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx),
        new SnapshotGeneratingValidationSupport(ctx),
        unknownSystems);
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(instanceValidator);

    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(Path.of(args[0]))) {
      walk.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    for (Path file : files) {
      String json = Files.readString(file, StandardCharsets.UTF_8);
      StringBuilder line = new StringBuilder("{\"file\":").append(quote(file.toString())).append(",\"issues\":[");
      ValidationResult result = validator.validateWithResult(json);
      boolean first = true;
      for (SingleValidationMessage m : result.getMessages()) {
        if (m.getSeverity() == ResultSeverityEnum.INFORMATION) continue;
        if (!first) line.append(',');
        first = false;
        line.append("{\"severity\":").append(quote(m.getSeverity().getCode()))
            .append(",\"location\":").append(quote(String.valueOf(m.getLocationString())))
            .append(",\"message\":").append(quote(String.valueOf(m.getMessage()))).append('}');
      }
      out.println(line.append("]}"));
    }
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }
}
