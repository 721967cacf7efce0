# One build, two runtime images: `--target silo` (also runs `migrate`) and `--target gateway`.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props EventsSubscriptions.sln ./
COPY db/ db/
COPY Grains.Interfaces/ Grains.Interfaces/
COPY Grains/ Grains/
COPY Silo/ Silo/
COPY Gateway/ Gateway/
RUN dotnet publish Silo/Silo.csproj -c Release -o /out/silo \
 && dotnet publish Gateway/Gateway.csproj -c Release -o /out/gateway

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS silo
WORKDIR /app
COPY --from=build /out/silo ./
USER app
EXPOSE 11111 30000
ENTRYPOINT ["dotnet", "Silo.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS gateway
WORKDIR /app
COPY --from=build /out/gateway ./
USER app
ENV Urls=http://0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Gateway.dll"]
