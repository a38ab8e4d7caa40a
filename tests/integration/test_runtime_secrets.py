"""The embedded runtime's AWS::SecretsManager::Secret support: created as the template says, and the
ARN that Ref hands a function resolves to it (a partial ARN: moto invents the random suffix itself)."""

from __future__ import annotations

from pathlib import Path

from infra.runtime import EmbeddedStack

SECRETS_TEMPLATE = """
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  Literal:
    Type: AWS::SecretsManager::Secret
    Properties: {Name: !Sub "${AWS::StackName}/literal", SecretString: '{"a": ["x"]}', Description: d}
  Plain:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {PasswordLength: 20, ExcludePunctuation: true}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Handler: nowhere.handler
      Runtime: python3.11
      Environment: {Variables: {LITERAL: !Ref Literal, PLAIN: !Ref Plain}}
"""


def test_the_runtime_creates_secrets_and_hands_out_arns_that_resolve(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(SECRETS_TEMPLATE, "utf-8")
    with EmbeddedStack.from_template(path, stack_name="sec") as running:
        environment = running.environment("Reader")
        literal = running.secretsmanager.get_secret_value(SecretId=environment["LITERAL"])
        assert (literal["Name"], literal["SecretString"]) == ("sec/literal", '{"a": ["x"]}')
        plain = running.secretsmanager.get_secret_value(SecretId=environment["PLAIN"])["SecretString"]
        assert len(plain) == 20 and plain.isalnum()
        assert environment["PLAIN"] == running.secret("Plain").arn
