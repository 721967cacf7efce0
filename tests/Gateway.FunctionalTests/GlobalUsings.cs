// The namespaces most of this project's files use; Xunit and EventsSubscriptions.TestSupport come from tests/Directory.Build.props.
global using System.Collections.Concurrent;
global using System.Diagnostics;
global using System.Net;
global using System.Net.Http.Headers;
global using System.Net.Http.Json;
global using System.Security.Cryptography;
global using System.Text;
global using System.Text.Json;
global using System.Text.Json.Nodes;
global using Npgsql;
global using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;
