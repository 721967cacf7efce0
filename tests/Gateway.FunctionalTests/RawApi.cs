namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Requests sent as raw bytes with a token (hostile bodies cannot always be a JsonNode), answers read leniently.</summary>
public sealed class RawApi(ServiceCluster service, string token)
{
    public string Token => token;

    /// <summary>Creates a valid subscription and returns its id.</summary>
    public async Task<long> CreateAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, SubscriptionsClient.Path, Encoding.UTF8.GetBytes(SubscriptionsClient.ValidBody().ToJsonString()));
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        return body.GetProperty("data").GetProperty("id").GetInt64();
    }

    /// <summary>Sends the bytes as application/json (none for a null body); a body that is not JSON comes back as a JSON string.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement parsed = default;
        if (text.Length > 0)
        {
            try
            {
                parsed = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                parsed = JsonDocument.Parse(JsonSerializer.Serialize(text)).RootElement.Clone();
            }
        }
        return (response.StatusCode, parsed);
    }
}
