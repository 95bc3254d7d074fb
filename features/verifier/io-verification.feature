@verifier @io
Feature: I/O Verification: pending returned iff marked, a real final status, the IRQL a dispatch routine was called at

  With I/O Verification (0x10, part of the standard settings; Enhanced I/O Verification comes with
  it) Verifier checks the IRPs a verified driver handles: a dispatch routine returns STATUS_PENDING
  if and only if it called IoMarkIrpPending (0xC9/0x23D, 0x23E: the routine, the IRP, the status),
  returns at the IRQL it was called at (0xC9/0x05: the device, IRQL before, IRQL after), and
  completes IRPs with a real status (0xC9/0x06: the status, the IRP) at DISPATCH_LEVEL or below.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/i-o-verification,
  https://learn.microsoft.com/windows-hardware/drivers/devtest/enhanced-i-o-verification,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x1000 of PAGE_READWRITE memory as out
    And a driver "Low.sys" with a device "\Device\Low"
    And "app" opens "\Device\Low" overlapped as h
    And CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) is noted as IOCTL
    And Driver Verifier is enabled for "Low.sys" with standard settings

  Scenario: pending, marked: nothing raised
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_PENDING
    And the machine is running

  Scenario: STATUS_PENDING returned without IoMarkIrpPending: 0xC9/0x23D
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x23D, *, held, STATUS_PENDING)

  Scenario: marked pending, completed at once, and STATUS_SUCCESS returned: 0xC9/0x23E
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp                              |
      | IoMarkIrpPending(Irp)                   |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x23E, *, held, STATUS_SUCCESS)

  Scenario: marked pending, completed at once, and STATUS_PENDING returned: the legal pattern, nothing raised
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoMarkIrpPending(Irp)                   |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_PENDING                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->IoStatus.Status is STATUS_SUCCESS
    And the machine is running

  Scenario: completing with STATUS_PENDING as the final status: 0xC9/0x06
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp                              |
      | Irp->IoStatus.Status = STATUS_PENDING   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x06, STATUS_PENDING, held, 0)

  Scenario: a dispatch routine that returns at DISPATCH_LEVEL: 0xC9/0x05
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | KeRaiseIrql(DISPATCH_LEVEL)             |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x05, device("\Device\Low"), PASSIVE_LEVEL, DISPATCH_LEVEL)

  Scenario: the same driver without I/O Verification (special pool only): the unmarked pending goes unnoticed
    Given Driver Verifier is enabled for "Low.sys" with flags 0x1
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | return STATUS_PENDING |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then r->ReturnValue is STATUS_PENDING
    And the machine is running

  Scenario Outline: a filter's completion routine <does> propagate pending: <outcome>
    # The filter passes the IRP down; the lower driver pends it and completes it later, so
    # Irp->PendingReturned is TRUE when the filter's routine runs: it must mark its own location.
    Given a filter driver "Filt.sys" attached to "\Device\Low"
    And Driver Verifier is enabled for "Filt.sys" with standard settings
    And "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | held = Irp            |
      | IoMarkIrpPending(Irp) |
      | return STATUS_PENDING |
    And "Filt.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | IoCopyCurrentIrpStackLocationToNext(Irp)                    |
      | IoSetCompletionRoutine(Irp, "Done", NULL, TRUE, TRUE, TRUE) |
      | return IoCallDriver(LowerDevice, Irp)                       |
    And "Filt.sys" has a completion routine "Done":
      | <statement>                       |
      | return STATUS_CONTINUE_COMPLETION |
    And "app" opens "\Device\Low" overlapped as h2
    When "app" calls DeviceIoControl(h2, IOCTL, in, 8, out, 8) as r
    And "Low.sys" runs:
      | held->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(held, IO_NO_INCREMENT) |
    Then <then>

    Examples:
      | does     | statement                                       | outcome  | then                                                                                |
      | does     | if (Irp->PendingReturned) IoMarkIrpPending(Irp) | clean    | r->IoStatus.Status is STATUS_SUCCESS                                                |
      | does not | seen = 1                                        | 0xC9/0x228 | the machine bug-checked with DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x228, *, held, 0) |

  Scenario: completing the same IRP twice under I/O Verification is still MULTIPLE_IRP_COMPLETE_REQUESTS
    Given "Low.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | irp = Irp                               |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    When "app" calls DeviceIoControl(h, IOCTL, in, 8, out, 8) as r
    Then the machine bug-checked with MULTIPLE_IRP_COMPLETE_REQUESTS (irp, 0, 0, 0)
