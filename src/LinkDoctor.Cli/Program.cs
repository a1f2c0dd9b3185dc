using LinkDoctor.Cli;

var parse = Cli.Parse(args);
if (parse.Errors.Count > 0)
{
    // Usage errors exit 2 (System.CommandLine's default is 1, which LinkDoctor reserves for findings).
    foreach (var e in parse.Errors) Console.Error.WriteLine($"linkdoctor: {e.Message}");
    Console.Error.WriteLine("Try 'linkdoctor --help'.");
    return Cli.ExitBadInput;
}
return parse.Invoke();
