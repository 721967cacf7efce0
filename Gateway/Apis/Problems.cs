namespace EventsSubscriptions.Gateway.Apis;

/// <summary>The RFC 9457 answers of the API, with the titles and types of the status codes they carry.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.5");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.4");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.10");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad Request",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.1");

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.16");

    public static ProblemHttpResult PayloadTooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Content Too Large",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.14");

    /// <summary>The same answer as <see cref="Validation"/>, typed as a plain problem for handlers that return one.</summary>
    public static ProblemHttpResult InvalidFields(ValidationErrors errors) => InvalidFields(errors.ToDictionary());

    /// <summary>The same answer as <see cref="Validation"/> for errors keyed by field path (a grain's refusal).</summary>
    public static ProblemHttpResult InvalidFields(IDictionary<string, string[]> errors) =>
        TypedResults.Problem($"{errors.Count} field(s) are invalid; nothing was changed.", statusCode: StatusCodes.Status400BadRequest,
            title: "One or more fields are invalid.", type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static ValidationProblem Validation(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(),
            detail: $"{errors.Raw.Count} field(s) are invalid; nothing was changed.",
            title: "One or more fields are invalid.",
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.1");
}
