(define (problem blocksworld-p12)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 b5 - block)
  (:init
    (arm-empty)
    (on-table b1)
    (on b5 b1)
    (clear b5)
    (on-table b2)
    (clear b2)
    (on-table b4)
    (clear b4)
    (on-table b3)
    (clear b3))
  (:goal
    (and
      (on b3 b4)
      (on b1 b3)
      (on b2 b1))))
